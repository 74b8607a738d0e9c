package grpcprom_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// replyMarker appears in the greeter's replies, never in the tests'
// requests, so that a compressor can fail for replies only.
var replyMarker = []byte("hello ")

// markerCodec is an identity compressor that fails on replies: failing
// to compress them (failCompress) or to decompress them.
type markerCodec struct {
	name         string
	failCompress bool
}

func (c markerCodec) Name() string { return c.name }

func (c markerCodec) Compress(w io.Writer) (io.WriteCloser, error) {
	if c.name == "grpcprom-nocompress" {
		return nil, errors.New("cannot compress")
	}
	return &markerWriter{w: w, fail: c.failCompress}, nil
}

func (c markerCodec) Decompress(r io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if !c.failCompress && bytes.Contains(b, replyMarker) {
		return nil, errors.New("cannot decompress a reply")
	}
	return bytes.NewReader(b), nil
}

type markerWriter struct {
	w    io.Writer
	fail bool
}

func (m *markerWriter) Write(p []byte) (int, error) {
	if m.fail && bytes.Contains(p, replyMarker) {
		return 0, errors.New("cannot compress a reply")
	}
	return m.w.Write(p)
}

func (m *markerWriter) Close() error { return nil }

func init() {
	encoding.RegisterCompressor(markerCodec{name: "grpcprom-nocompress"})
	encoding.RegisterCompressor(markerCodec{name: "grpcprom-nocompress-reply", failCompress: true})
	encoding.RegisterCompressor(markerCodec{name: "grpcprom-nodecompress-reply"})
}

// messageFault is one unary call that fails on a message, and what each
// front end records: codes by side, and the server's messages sent.
type messageFault struct {
	name       string
	so         []grpc.ServerOption
	co         []grpc.CallOption
	request    string
	caller     codes.Code
	server     map[string]map[string]float64 // by front end
	serverSent map[string]float64            // by front end
}

var (
	none = map[string]float64{}
	both = func(m map[string]float64) map[string]map[string]float64 {
		return map[string]map[string]float64{"interceptors": m, "stats": m}
	}
	blindUnary = func(m map[string]float64) map[string]map[string]float64 {
		return map[string]map[string]float64{"interceptors": none, "stats": m}
	}
	sentBy = func(i, s float64) map[string]float64 { return map[string]float64{"interceptors": i, "stats": s} }
)

var messageFaults = []messageFault{
	{
		// gRPC rejects the request before the unary handler, and so the
		// interceptor, is called.
		name: "request over the server's MaxRecvMsgSize", so: []grpc.ServerOption{grpc.MaxRecvMsgSize(1024)},
		request: strings.Repeat("x", 2048), caller: codes.ResourceExhausted,
		server: blindUnary(codeCount(codes.ResourceExhausted, 1)), serverSent: sentBy(-1, 0),
	},
	{
		// The handler returned its reply: the interceptor records OK and
		// one message sent, which gRPC then refuses to send.
		name: "reply over the server's MaxSendMsgSize", so: []grpc.ServerOption{grpc.MaxSendMsgSize(1024)},
		request: strings.Repeat("x", 2048), caller: codes.ResourceExhausted,
		server:     map[string]map[string]float64{"interceptors": codeCount(codes.OK, 1), "stats": codeCount(codes.ResourceExhausted, 1)},
		serverSent: sentBy(1, 0),
	},
	{
		name: "reply over the client's MaxCallRecvMsgSize", co: []grpc.CallOption{grpc.MaxCallRecvMsgSize(1024)},
		request: strings.Repeat("x", 2048), caller: codes.ResourceExhausted,
		server: both(codeCount(codes.OK, 1)), serverSent: sentBy(1, 1),
	},
	{
		name: "request the server cannot decompress", co: []grpc.CallOption{grpc.UseCompressor(brokenCodec{}.Name())},
		request: "x", caller: codes.Internal,
		server: blindUnary(codeCount(codes.Internal, 1)), serverSent: sentBy(-1, 0),
	},
	{
		name: "reply the server cannot compress", co: []grpc.CallOption{grpc.UseCompressor("grpcprom-nocompress-reply")},
		request: "x", caller: codes.Internal,
		server:     map[string]map[string]float64{"interceptors": codeCount(codes.OK, 1), "stats": codeCount(codes.Internal, 1)},
		serverSent: sentBy(1, 0),
	},
	{
		name: "reply the client cannot decompress", co: []grpc.CallOption{grpc.UseCompressor("grpcprom-nodecompress-reply")},
		request: "x", caller: codes.Internal,
		server: both(codeCount(codes.OK, 1)), serverSent: sentBy(1, 1),
	},
}

// TestFaultMessages: unary calls that fail on a message, in either
// direction. The client records what the caller got; the server
// front ends differ where gRPC fails the RPC outside the handler.
func TestFaultMessages(t *testing.T) {
	for _, fe := range frontEnds {
		for _, f := range messageFaults {
			t.Run(fe.name+"/"+f.name, func(t *testing.T) {
				r := newRig(t, fe)
				e := r.start(t, nil, f.so)
				_, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: f.request}, f.co...)
				if status.Code(err) != f.caller {
					t.Fatalf("caller got %v, want %v", err, f.caller)
				}
				e.srv.GracefulStop() // the server records its end before this returns
				ts := settled(t, r.reg)
				assertCodes(t, ts, "client", mUnary.typ, mUnary.method, codeCount(f.caller, 1))
				assertCodes(t, ts, "server", mUnary.typ, mUnary.method, f.server[fe.name])
				if v := value(t, r.reg, key("grpc_server_msg_sent_total", mUnary.typ, mUnary.method)); v != f.serverSent[fe.name] {
					t.Errorf("server msg_sent = %g, want %g (-1: no series)", v, f.serverSent[fe.name])
				}
			})
		}
	}
}

// TestFaultMessagesOnStreams: on a stream the handler itself meets the
// failed RecvMsg or SendMsg and returns its error, so both front ends
// record it.
func TestFaultMessagesOnStreams(t *testing.T) {
	cases := []struct {
		name string
		so   []grpc.ServerOption
	}{
		{"request over the server's MaxRecvMsgSize", []grpc.ServerOption{grpc.MaxRecvMsgSize(1024)}},
		{"reply over the server's MaxSendMsgSize", []grpc.ServerOption{grpc.MaxSendMsgSize(1024)}},
	}
	for _, fe := range frontEnds {
		for _, c := range cases {
			t.Run(fe.name+"/"+c.name, func(t *testing.T) {
				r := newRig(t, fe)
				e := r.start(t, nil, c.so)
				bs, err := e.client.SayHelloBidiStream(context.Background())
				if err != nil {
					t.Fatalf("bidi: %v", err)
				}
				if err := bs.Send(&pb.HelloRequest{Name: strings.Repeat("x", 2048)}); err != nil {
					t.Fatalf("Send: %v", err)
				}
				if code := recvToEnd(bs); code != codes.ResourceExhausted {
					t.Fatalf("bidi: %v, want ResourceExhausted", code)
				}
				ts := settled(t, r.reg)
				for _, side := range []string{"server", "client"} {
					assertCodes(t, ts, side, mBidi.typ, mBidi.method, codeCount(codes.ResourceExhausted, 1))
				}
				if v := value(t, r.reg, key("grpc_server_msg_sent_total", mBidi.typ, mBidi.method)); v != 0 {
					t.Errorf("server msg_sent = %g, want 0", v)
				}
			})
		}
	}
}

// TestFaultClientRefusesToSend: the client cannot send its request (too
// large, or its compressor fails). The call fails before the request is
// written; the server sees at most a stream the client resets, which the
// unary interceptor never sees.
func TestFaultClientRefusesToSend(t *testing.T) {
	cases := []struct {
		name string
		co   grpc.CallOption
		code codes.Code
	}{
		{"request over the client's MaxCallSendMsgSize", grpc.MaxCallSendMsgSize(1024), codes.ResourceExhausted},
		{"request the client cannot compress", grpc.UseCompressor("grpcprom-nocompress"), codes.Internal},
	}
	for _, fe := range frontEnds {
		for _, c := range cases {
			t.Run(fe.name+"/"+c.name, func(t *testing.T) {
				r := newRig(t, fe)
				e := r.start(t, nil, nil)
				_, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: strings.Repeat("x", 2048)}, c.co)
				if status.Code(err) != c.code {
					t.Fatalf("caller got %v, want %v", err, c.code)
				}
				e.srv.GracefulStop()
				ts := settled(t, r.reg)
				assertCodes(t, ts, "client", mUnary.typ, mUnary.method, codeCount(c.code, 1))
				// The stats handler sees the reset stream, ended Canceled or,
				// when gRPC has read the reset as an end without a request,
				// Internal.
				tl := ts[greeterKey("server", mUnary.typ, mUnary.method)]
				switch {
				case tl == nil:
				case fe.name == "interceptors":
					t.Errorf("server interceptor recorded %v", tl.codes)
				case tl.handled != 1 || tl.codes["Canceled"]+tl.codes["Internal"] != 1:
					t.Errorf("server stats handler recorded %v, want Canceled or Internal once", tl.codes)
				}
			})
		}
	}
}
