package scenarios

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
	"google.golang.org/grpc"
)

// Full method names of the calls the scenarios make.
const (
	UnaryMethod  = helloworld.Greeter_SayHello_FullMethodName
	StreamMethod = helloworld.Greeter_SayHelloBidiStream_FullMethodName
)

// Scenario is one benchmark, run once per implementation.
type Scenario struct {
	Name string
	Run  func(b *testing.B, impl Impl)
}

// All lists every scenario, in the order results are shown.
var All = []Scenario{
	{"ServerUnary", ServerUnary},
	{"ClientUnary", ClientUnary},
	{"ServerStreamMsg", ServerStreamMsg},
	{"ClientStreamMsg", ClientStreamMsg},
	{"ServerStream", ServerStream},
	{"ClientStream", ClientStream},
	{"E2EUnary", E2EUnary},
}

var (
	bidiDesc = &grpc.StreamDesc{
		StreamName:    "SayHelloBidiStream",
		ServerStreams: true,
		ClientStreams: true,
	}
	bidiInfo = &grpc.StreamServerInfo{
		FullMethod:     StreamMethod,
		IsClientStream: true,
		IsServerStream: true,
	}
	unaryInfo = &grpc.UnaryServerInfo{FullMethod: UnaryMethod}
)

func messages() (*helloworld.HelloRequest, *helloworld.HelloReply) {
	return &helloworld.HelloRequest{Name: "world"}, &helloworld.HelloReply{Message: "Hello world"}
}

// ServerUnary calls the unary server interceptor around a handler that
// returns at once: 1 op = 1 RPC.
func ServerUnary(b *testing.B, impl Impl) {
	ic := impl.Server(prometheus.NewRegistry()).Unary
	ctx := context.Background()
	req, resp := messages()
	handler := func(context.Context, any) (any, error) { return resp, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ic(ctx, req, unaryInfo, handler); err != nil {
			b.Fatal(err)
		}
	}
}

// ClientUnary calls the unary client interceptor around an invoker that
// returns at once: 1 op = 1 RPC.
func ClientUnary(b *testing.B, impl Impl) {
	ic := impl.Client(prometheus.NewRegistry()).Unary
	ctx := context.Background()
	req, reply := messages()
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := ic(ctx, UnaryMethod, req, reply, nil, invoker); err != nil {
			b.Fatal(err)
		}
	}
}

// ServerStreamMsg opens one bidi stream through the stream server
// interceptor and, inside its handler, sends and receives on it: 1 op =
// 1 SendMsg + 1 RecvMsg.
func ServerStreamMsg(b *testing.B, impl Impl) {
	ic := impl.Server(prometheus.NewRegistry()).Stream
	ss := &fakeServerStream{ctx: context.Background()}
	req, resp := messages()
	handler := func(_ any, s grpc.ServerStream) error {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.SendMsg(resp); err != nil {
				return err
			}
			if err := s.RecvMsg(req); err != nil {
				return err
			}
		}
		return nil
	}
	if err := ic(nil, ss, bidiInfo, handler); err != nil {
		b.Fatal(err)
	}
}

// ClientStreamMsg opens one bidi stream through the stream client
// interceptor and sends and receives on it: 1 op = 1 SendMsg + 1 RecvMsg.
func ClientStreamMsg(b *testing.B, impl Impl) {
	ic := impl.Client(prometheus.NewRegistry()).Stream
	ctx := context.Background()
	f := &fakeClientStream{ctx: ctx}
	req, reply := messages()
	cs, err := ic(ctx, bidiDesc, nil, StreamMethod, f.streamer)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := cs.SendMsg(req); err != nil {
			b.Fatal(err)
		}
		if err := cs.RecvMsg(reply); err != nil {
			b.Fatal(err)
		}
	}
	// End the stream as the server would.
	f.eofAfter = 1
	_ = cs.CloseSend()
	if err := cs.RecvMsg(reply); !errors.Is(err, io.EOF) {
		b.Fatalf("RecvMsg at the end of the stream: %v, want io.EOF", err)
	}
}

// ServerStream runs whole bidi streams through the stream server
// interceptor: 1 op = open, 1 RecvMsg, 1 SendMsg, return.
func ServerStream(b *testing.B, impl Impl) {
	ic := impl.Server(prometheus.NewRegistry()).Stream
	ss := &fakeServerStream{ctx: context.Background()}
	req, resp := messages()
	handler := func(_ any, s grpc.ServerStream) error {
		if err := s.RecvMsg(req); err != nil {
			return err
		}
		return s.SendMsg(resp)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := ic(nil, ss, bidiInfo, handler); err != nil {
			b.Fatal(err)
		}
	}
}

// ClientStream runs whole bidi streams through the stream client
// interceptor: 1 op = open, 1 SendMsg, CloseSend, 1 RecvMsg, and the RecvMsg
// that returns io.EOF.
func ClientStream(b *testing.B, impl Impl) {
	ic := impl.Client(prometheus.NewRegistry()).Stream
	ctx := context.Background()
	f := &fakeClientStream{ctx: ctx, eofAfter: 1}
	streamer := f.streamer // a method value allocates: make it once
	req, reply := messages()
	b.ReportAllocs()
	for b.Loop() {
		cs, err := ic(ctx, bidiDesc, nil, StreamMethod, streamer)
		if err != nil {
			b.Fatal(err)
		}
		if err := cs.SendMsg(req); err != nil {
			b.Fatal(err)
		}
		if err := cs.CloseSend(); err != nil {
			b.Fatal(err)
		}
		if err := cs.RecvMsg(reply); err != nil {
			b.Fatal(err)
		}
		if err := cs.RecvMsg(reply); !errors.Is(err, io.EOF) {
			b.Fatalf("RecvMsg at the end of the stream: %v, want io.EOF", err)
		}
	}
}
