package differential

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// The scripted traffic: a test service whose
// behaviour the request names select, the steps that drive it, and the
// environment (a real server and client over bufconn) each step runs in.

// diffGreeter is the differential test's service. A request's name selects
// what the handler does:
//
//	ok            answer
//	code:N        fail with status code N
//	wrapped       a NotFound status wrapped with %w in another error
//	plain         a plain error
//	panic         panic
//	block         signal entered, wait for the RPC's context to end, return ctx.Err()
//	expire        wait for a deadline of the handler's own, return the context error wrapped
//	hang          wait for the RPC's context to end (the client's deadline), return a DeadlineExceeded status
//	send:N        SayHelloUnaryStream: send N replies, then succeed
//	fail:N        SayHelloUnaryStream: send N replies, then fail with FailedPrecondition
//	fail          on the client-streaming and bidi methods: fail with FailedPrecondition
//
// On the streaming methods, block and panic act after one reply was sent
// (SayHelloUnaryStream) or when that request arrives (the others).
type diffGreeter struct {
	pb.UnimplementedGreeterServer
	entered chan struct{}
}

var errFailing = status.Error(codes.FailedPrecondition, "failing on purpose")

func (g *diffGreeter) act(ctx context.Context, name string) error {
	switch {
	case name == "ok":
		return nil
	case strings.HasPrefix(name, "code:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(name, "code:"))
		return status.Error(codes.Code(n), "failing with code "+strconv.Itoa(n))
	case name == "wrapped":
		return fmt.Errorf("looking up: %w", status.Error(codes.NotFound, "no such greeting"))
	case name == "plain":
		return errors.New("plain failure")
	case name == "panic":
		panic("handler panic")
	case name == "block":
		g.entered <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	case name == "expire":
		ctx, cancel := context.WithTimeout(ctx, serverDeadline)
		defer cancel()
		<-ctx.Done()
		return fmt.Errorf("calling the backend: %w", ctx.Err())
	case name == "hang":
		// Whether the server sees the client's deadline as its own
		// deadline or as the client's RST_STREAM is a race: the status
		// it returns does not depend on it.
		<-ctx.Done()
		return status.Error(codes.DeadlineExceeded, "gave up")
	case name == "fail":
		return errFailing
	}
	return nil
}

func (g *diffGreeter) SayHello(ctx context.Context, in *pb.HelloRequest) (*pb.HelloReply, error) {
	if err := g.act(ctx, in.GetName()); err != nil {
		return nil, err
	}
	return &pb.HelloReply{Message: "hello " + in.GetName()}, nil
}

func (g *diffGreeter) SayHelloUnaryStream(in *pb.HelloRequest, s grpc.ServerStreamingServer[pb.HelloReply]) error {
	name := in.GetName()
	verb, count, _ := strings.Cut(name, ":")
	n, err := strconv.Atoi(count)
	if err != nil {
		n = 1
	}
	for i := range n {
		if err := s.Send(&pb.HelloReply{Message: strconv.Itoa(i)}); err != nil {
			return err
		}
	}
	switch verb {
	case "send":
		return nil
	case "fail":
		return errFailing
	}
	return g.act(s.Context(), name)
}

func (g *diffGreeter) SayHelloStreamUnary(s grpc.ClientStreamingServer[pb.HelloRequest, pb.HelloReply]) error {
	received := 0
	for {
		in, err := s.Recv()
		if err == io.EOF {
			return s.SendAndClose(&pb.HelloReply{Message: strconv.Itoa(received)})
		}
		if err != nil {
			return err
		}
		received++
		if err := g.act(s.Context(), in.GetName()); err != nil {
			return err
		}
	}
}

func (g *diffGreeter) SayHelloBidiStream(s grpc.BidiStreamingServer[pb.HelloRequest, pb.HelloReply]) error {
	for {
		in, err := s.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := g.act(s.Context(), in.GetName()); err != nil {
			return err
		}
		if err := s.Send(&pb.HelloReply{Message: in.GetName()}); err != nil {
			return err
		}
	}
}

// Step is one piece of scripted traffic, run on a fresh server, client and
// registry for every implementation.
type Step struct {
	Name string
	// serverRPCs is how many RPCs the server's interceptors see.
	serverRPCs int
	// unknownHandler installs grpc.UnknownServiceHandler on the server.
	unknownHandler bool
	// run makes the calls and checks what the client got, which must not
	// depend on the implementation.
	run func(ctx context.Context, e *env) error
}

// clientDeadline is the deadline of the client deadline steps, long enough
// for the request to reach the handler on a loaded machine; serverDeadline
// is the handler's own deadline in the server deadline steps.
const (
	clientDeadline = 200 * time.Millisecond
	serverDeadline = 20 * time.Millisecond
)

// Steps is the scripted traffic.
var Steps = func() []Step {
	s := []Step{
		{Name: "unary OK", serverRPCs: 2, run: func(ctx context.Context, e *env) error {
			if err := e.unary(ctx, "ok", codes.OK); err != nil {
				return err
			}
			return e.unary(ctx, "ok", codes.OK)
		}},
	}
	for _, c := range []codes.Code{codes.InvalidArgument, codes.NotFound, codes.PermissionDenied, codes.Unavailable, codes.Internal} {
		s = append(s, Step{Name: "unary " + c.String(), serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.unary(ctx, "code:"+strconv.Itoa(int(c)), c)
		}})
	}
	return append(s,
		Step{Name: "unary wrapped status", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.unary(ctx, "wrapped", codes.NotFound)
		}},
		Step{Name: "unary plain error", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.unary(ctx, "plain", codes.Unknown)
		}},
		Step{Name: "unary client deadline", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			ctx, cancel := context.WithTimeout(ctx, clientDeadline)
			defer cancel()
			return e.unary(ctx, "hang", codes.DeadlineExceeded)
		}},
		Step{Name: "unary server deadline", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.unary(ctx, "expire", codes.DeadlineExceeded)
		}},
		Step{Name: "unary canceled", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go e.cancelOnEntry(cancel)
			return e.unary(ctx, "block", codes.Canceled)
		}},
		Step{Name: "unary panic", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.unary(ctx, "panic", codes.Internal)
		}},
		Step{Name: "unregistered method", serverRPCs: 0, run: func(ctx context.Context, e *env) error {
			return wantCode("unregistered method", e.conn.Invoke(ctx, "/helloworld.Missing/Call", &pb.HelloRequest{}, &pb.HelloReply{}), codes.Unimplemented)
		}},
		Step{Name: "unregistered method, unknown service handler", serverRPCs: 1, unknownHandler: true, run: func(ctx context.Context, e *env) error {
			return wantCode("unregistered method", e.conn.Invoke(ctx, "/helloworld.Missing/Call", &pb.HelloRequest{}, &pb.HelloReply{}), codes.Unimplemented)
		}},
		Step{Name: "server stream OK", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.serverStream(ctx, "send:3", 3, codes.OK, false)
		}},
		Step{Name: "server stream fails after 2", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.serverStream(ctx, "fail:2", 2, codes.FailedPrecondition, false)
		}},
		Step{Name: "server stream read again after EOF", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.serverStream(ctx, "send:2", 2, codes.OK, true)
		}},
		Step{Name: "server stream client deadline", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			ctx, cancel := context.WithTimeout(ctx, clientDeadline)
			defer cancel()
			return e.serverStream(ctx, "hang", 1, codes.DeadlineExceeded, false)
		}},
		Step{Name: "server stream server deadline", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.serverStream(ctx, "expire", 1, codes.DeadlineExceeded, false)
		}},
		Step{Name: "client stream OK", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.clientStream(ctx, []string{"a", "b", "c"}, codes.OK, false)
		}},
		Step{Name: "client stream fails after 2", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.clientStream(ctx, []string{"a", "b", "fail"}, codes.FailedPrecondition, false)
		}},
		Step{Name: "client stream read again after CloseAndRecv", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.clientStream(ctx, []string{"a"}, codes.OK, true)
		}},
		Step{Name: "bidi stream OK", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.bidi(ctx, []string{"a", "b"}, codes.OK)
		}},
		Step{Name: "bidi stream fails after 2", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.bidi(ctx, []string{"a", "b", "fail"}, codes.FailedPrecondition)
		}},
		Step{Name: "bidi stream panic", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.bidi(ctx, []string{"a", "panic"}, codes.Internal)
		}},
		Step{Name: "bidi stream canceled, then read", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.bidiCanceled(ctx, true)
		}},
		Step{Name: "bidi stream canceled and abandoned", serverRPCs: 1, run: func(ctx context.Context, e *env) error {
			return e.bidiCanceled(ctx, false)
		}},
	)
}()

// env is a real gRPC server and client, instrumented by one
// implementation, for one step.
type env struct {
	conn    *grpc.ClientConn
	client  pb.GreeterClient
	entered chan struct{}
	// serverDone receives once per RPC after every server interceptor
	// returned; clientDone once per client stream after every OnFinish
	// callback of the interceptors ran.
	serverDone    chan struct{}
	clientDone    chan struct{}
	clientStreams atomic.Int64
}

// Run runs st with the instrumentation build installs, registered on a
// fresh pedantic registry, and returns the registry once the server and
// the client recorded everything.
func Run(t *testing.T, st Step, build Build) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	srvOpts, dialOpts := build(reg)
	e := &env{
		entered:    make(chan struct{}, 1),
		serverDone: make(chan struct{}, 16),
		clientDone: make(chan struct{}, 16),
	}

	// The recovery and completion interceptors run outside the
	// implementation's on the server, inside it on the client.
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(e.outerUnary),
		grpc.ChainStreamInterceptor(e.outerStream),
	}
	if st.unknownHandler {
		opts = append(opts, grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
			return status.Error(codes.Unimplemented, "no such method")
		}))
	}
	srv := grpc.NewServer(append(opts, srvOpts...)...)
	pb.RegisterGreeterServer(srv, &diffGreeter{entered: e.entered})
	lis := bufconn.Listen(1 << 20)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	defer func() {
		srv.Stop()
		<-served
	}()

	dial := append([]grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, dialOpts...)
	dial = append(dial, grpc.WithChainStreamInterceptor(e.innerClientStream))
	conn, err := grpc.NewClient("passthrough:///bufconn", dial...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	e.conn, e.client = conn, pb.NewGreeterClient(conn)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Connect first, so that the deadline steps time the RPC only.
	conn.Connect()
	for s := conn.GetState(); s != connectivity.Ready; s = conn.GetState() {
		if !conn.WaitForStateChange(ctx, s) {
			t.Fatalf("connecting: still %v", s)
		}
	}
	if err := st.run(ctx, e); err != nil {
		t.Fatalf("%s: %v", st.Name, err)
	}
	wait(t, ctx, e.serverDone, st.serverRPCs, "server RPCs")
	wait(t, ctx, e.clientDone, int(e.clientStreams.Load()), "client streams")
	return reg
}

func wait(t *testing.T, ctx context.Context, ch <-chan struct{}, n int, what string) {
	t.Helper()
	for i := range n {
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %d of %d ended", what, i, n)
		}
	}
}

// outerUnary and outerStream recover a handler's panic as Internal, as a
// recovery interceptor does, and tell the step that the RPC was recorded.
func (e *env) outerUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = status.Errorf(codes.Internal, "panic: %v", p)
		}
		e.serverDone <- struct{}{}
	}()
	return h(ctx, req)
}

func (e *env) outerStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = status.Errorf(codes.Internal, "panic: %v", p)
		}
		e.serverDone <- struct{}{}
	}()
	return h(srv, ss)
}

// innerClientStream adds the last OnFinish callback, which gRPC calls after
// those of the interceptors outside it.
func (e *env) innerClientStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	e.clientStreams.Add(1)
	opts = append(opts, grpc.OnFinish(func(error) { e.clientDone <- struct{}{} }))
	return streamer(ctx, desc, cc, method, opts...)
}

func (e *env) cancelOnEntry(cancel context.CancelFunc) {
	<-e.entered
	cancel()
}

func wantCode(what string, err error, want codes.Code) error {
	if got := status.Code(err); got != want {
		return fmt.Errorf("%s: client got %v (%v), want %v", what, got, err, want)
	}
	return nil
}

func (e *env) unary(ctx context.Context, name string, want codes.Code) error {
	_, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: name})
	return wantCode("SayHello "+name, err, want)
}

// serverStream reads replies until the stream ends, and once more if
// again is set.
func (e *env) serverStream(ctx context.Context, name string, replies int, want codes.Code, again bool) error {
	s, err := e.client.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: name})
	if err != nil {
		return fmt.Errorf("opening the server stream: %w", err)
	}
	got := 0
	for {
		if _, err = s.Recv(); err != nil {
			break
		}
		got++
	}
	if got != replies {
		return fmt.Errorf("server stream %s: %d replies, want %d", name, got, replies)
	}
	if err == io.EOF {
		err = nil
	}
	if again {
		if err := s.RecvMsg(&pb.HelloReply{}); err != io.EOF {
			return fmt.Errorf("reading after the end: %v, want io.EOF", err)
		}
	}
	return wantCode("server stream "+name, err, want)
}

// clientStream sends names and ends with CloseAndRecv, then reads once
// more if again is set (the workaround go-grpc-prometheus's README gave
// for its uncounted client streams).
func (e *env) clientStream(ctx context.Context, names []string, want codes.Code, again bool) error {
	s, err := e.client.SayHelloStreamUnary(ctx)
	if err != nil {
		return fmt.Errorf("opening the client stream: %w", err)
	}
	for _, n := range names {
		if err := s.Send(&pb.HelloRequest{Name: n}); err != nil {
			return fmt.Errorf("sending %s: %w", n, err)
		}
	}
	_, err = s.CloseAndRecv()
	if again {
		if err := s.RecvMsg(&pb.HelloReply{}); err != io.EOF {
			return fmt.Errorf("reading after CloseAndRecv: %v, want io.EOF", err)
		}
	}
	return wantCode("client stream", err, want)
}

// bidi sends each name and reads its echo; after the last one it closes
// and reads to the end.
func (e *env) bidi(ctx context.Context, names []string, want codes.Code) error {
	s, err := e.client.SayHelloBidiStream(ctx)
	if err != nil {
		return fmt.Errorf("opening the bidi stream: %w", err)
	}
	for _, n := range names {
		if err := s.Send(&pb.HelloRequest{Name: n}); err != nil {
			return fmt.Errorf("sending %s: %w", n, err)
		}
		if _, err = s.Recv(); err != nil {
			return wantCode("bidi stream", err, want)
		}
	}
	if err := s.CloseSend(); err != nil {
		return fmt.Errorf("CloseSend: %w", err)
	}
	if _, err = s.Recv(); err == io.EOF {
		err = nil
	}
	return wantCode("bidi stream", err, want)
}

// bidiCanceled exchanges one message, then makes the server wait and
// cancels the stream; it reads the stream's end if read is set, or else
// abandons the stream.
func (e *env) bidiCanceled(ctx context.Context, read bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := e.client.SayHelloBidiStream(ctx)
	if err != nil {
		return fmt.Errorf("opening the bidi stream: %w", err)
	}
	if err := s.Send(&pb.HelloRequest{Name: "a"}); err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	if _, err := s.Recv(); err != nil {
		return fmt.Errorf("receiving: %w", err)
	}
	if err := s.Send(&pb.HelloRequest{Name: "block"}); err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	e.cancelOnEntry(cancel)
	if !read {
		return nil
	}
	_, err = s.Recv()
	return wantCode("canceled bidi stream", err, codes.Canceled)
}
