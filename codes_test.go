package grpcprom_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

func newPair(t *testing.T, serverOpts []grpc.ServerOption) (*prometheus.Registry, *env) {
	t.Helper()
	sm := grpcprom.NewServerMetrics()
	cm := grpcprom.NewClientMetrics()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	return reg, startEnv(t, append(sm.ServerOptions(), serverOpts...), cm.DialOptions())
}

func TestUnaryErrorCodes(t *testing.T) {
	reg, e := newPair(t, nil)
	cases := []struct {
		name string
		code codes.Code
	}{
		{"wrapped", codes.NotFound},
		{"plain", codes.Unknown},
		{"canceled", codes.Canceled},
		{"deadline", codes.DeadlineExceeded},
		{"ok", codes.OK},
	}
	want := map[string]float64{}
	for _, c := range cases {
		_, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: c.name})
		if got := status.Code(err); got != c.code {
			t.Fatalf("SayHello(%q) code = %v, want %v", c.name, got, c.code)
		}
		for _, side := range []string{"server", "client"} {
			want[key("grpc_"+side+"_handled_total", "unary", "SayHello", "grpc_code="+c.code.String())] = 1
		}
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_server_handled"), filter(want, "grpc_server"))
	assertSeries(t, filter(snapshot(t, reg), "grpc_client_handled"), filter(want, "grpc_client"))
	// Only the successful call sent a reply.
	if v := value(t, reg, key("grpc_server_msg_sent_total", "unary", "SayHello")); v != 1 {
		t.Errorf("server msg_sent = %g, want 1", v)
	}
	if v := value(t, reg, key("grpc_server_msg_received_total", "unary", "SayHello")); v != 5 {
		t.Errorf("server msg_received = %g, want 5", v)
	}
}

// recoverUnary and recoverStream stand for a recovery interceptor
// installed outside the metrics.
func recoverUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = status.Errorf(codes.Internal, "recovered: %v", p)
		}
	}()
	return h(ctx, req)
}

func recoverStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = status.Errorf(codes.Internal, "recovered: %v", p)
		}
	}()
	return h(srv, ss)
}

func TestPanicRecordedAndRepanicked(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithInFlightGauge())
	cm := grpcprom.NewClientMetrics()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	e := startEnv(t, []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(recoverUnary, sm.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(recoverStream, sm.StreamServerInterceptor()),
	}, cm.DialOptions())

	_, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "panic"})
	if status.Code(err) != codes.Internal {
		t.Fatalf("unary panic: code %v, want Internal (the recovery interceptor did not see the panic)", status.Code(err))
	}
	bs, err := e.client.SayHelloBidiStream(context.Background())
	if err != nil {
		t.Fatalf("bidi: %v", err)
	}
	if err := bs.Send(&pb.HelloRequest{Name: "panic"}); err != nil {
		t.Fatalf("bidi Send: %v", err)
	}
	_, _ = bs.Recv() // the echo, sent before the panic
	if _, err := bs.Recv(); status.Code(err) != codes.Internal {
		t.Fatalf("bidi panic: %v, want Internal", err)
	}
	want := map[string]float64{
		key("grpc_server_started_total", "unary", "SayHello"):                                       1,
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=Internal"):                 1,
		key("grpc_server_msg_received_total", "unary", "SayHello"):                                  1,
		key("grpc_server_msg_sent_total", "unary", "SayHello"):                                      0,
		key("grpc_server_handling_seconds_count", "unary", "SayHello"):                              1,
		key("grpc_server_in_flight_rpcs", "unary", "SayHello"):                                      0,
		key("grpc_server_started_total", "bidi_stream", "SayHelloBidiStream"):                       1,
		key("grpc_server_handled_total", "bidi_stream", "SayHelloBidiStream", "grpc_code=Internal"): 1,
		key("grpc_server_msg_received_total", "bidi_stream", "SayHelloBidiStream"):                  1,
		key("grpc_server_msg_sent_total", "bidi_stream", "SayHelloBidiStream"):                      1,
		key("grpc_server_handling_seconds_count", "bidi_stream", "SayHelloBidiStream"):              1,
		key("grpc_server_in_flight_rpcs", "bidi_stream", "SayHelloBidiStream"):                      0,
		key("grpc_server_panics_total", "unary", "SayHello"):                                        1,
		key("grpc_server_panics_total", "bidi_stream", "SayHelloBidiStream"):                        1,
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_server_"), want)
	if v := value(t, reg, key("grpc_client_handled_total", "bidi_stream", "SayHelloBidiStream", "grpc_code=Internal")); v != 1 {
		t.Errorf("client handled{Internal} = %g, want 1", v)
	}
}

func TestCancelledStreamNeverDrained(t *testing.T) {
	reg, e := newPair(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	bs, err := e.client.SayHelloBidiStream(ctx)
	if err != nil {
		t.Fatalf("bidi: %v", err)
	}
	if err := bs.Send(&pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if _, err := bs.Recv(); err != nil {
		t.Fatalf("Recv: %v", err)
	}
	cancel() // and never call Recv again

	clientKey := key("grpc_client_handled_total", "bidi_stream", "SayHelloBidiStream", "grpc_code=Canceled")
	serverKey := key("grpc_server_handled_total", "bidi_stream", "SayHelloBidiStream", "grpc_code=Canceled")
	eventually(t, "both sides to record the cancel", func() bool {
		s := snapshot(t, reg)
		return s[clientKey] == 1 && s[serverKey] == 1
	})
	want := map[string]float64{
		key("grpc_client_started_total", "bidi_stream", "SayHelloBidiStream"): 1,
		clientKey: 1,
		key("grpc_client_msg_sent_total", "bidi_stream", "SayHelloBidiStream"):     1,
		key("grpc_client_msg_received_total", "bidi_stream", "SayHelloBidiStream"): 1,
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_client_"), want)
}

func TestDeadline(t *testing.T) {
	reg, e := newPair(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "block"})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("code = %v, want DeadlineExceeded", status.Code(err))
	}
	// The server sees either its own deadline pass or the client's reset
	// first; both are real outcomes, but it must record exactly one.
	dl := key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=DeadlineExceeded")
	cn := key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=Canceled")
	eventually(t, "the server to record the deadline", func() bool {
		s := snapshot(t, reg)
		return s[dl]+s[cn] == 1
	})
	if got := filter(snapshot(t, reg), "grpc_server_handled_total"); len(got) != 1 {
		t.Errorf("server handled series = %v, want exactly one", got)
	}
	want := map[string]float64{
		key("grpc_client_started_total", "unary", "SayHello"):                               1,
		key("grpc_client_handled_total", "unary", "SayHello", "grpc_code=DeadlineExceeded"): 1,
		key("grpc_client_msg_sent_total", "unary", "SayHello"):                              1,
		key("grpc_client_msg_received_total", "unary", "SayHello"):                          0,
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_client_"), want)
}

func TestClientStreamEnds(t *testing.T) {
	reg, e := newPair(t, nil)
	ctx := context.Background()

	// The server fails the stream after one reply.
	ss, err := e.client.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: "fail"})
	if err != nil {
		t.Fatalf("server stream: %v", err)
	}
	if _, err := ss.Recv(); err != nil {
		t.Fatalf("first Recv: %v", err)
	}
	if _, err := ss.Recv(); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("second Recv: %v, want FailedPrecondition", err)
	}
	// A client stream whose server fails it.
	cs, err := e.client.SayHelloStreamUnary(ctx)
	if err != nil {
		t.Fatalf("client stream: %v", err)
	}
	if err := cs.Send(&pb.HelloRequest{Name: "fail"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if _, err := cs.CloseAndRecv(); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("CloseAndRecv: %v, want FailedPrecondition", err)
	}
	// Reading again after the end must not count again.
	if _, err := ss.Recv(); err == nil {
		t.Fatal("Recv after the end succeeded")
	}
	want := map[string]float64{
		key("grpc_client_started_total", "server_stream", "SayHelloUnaryStream"):                                 1,
		key("grpc_client_handled_total", "server_stream", "SayHelloUnaryStream", "grpc_code=FailedPrecondition"): 1,
		key("grpc_client_msg_sent_total", "server_stream", "SayHelloUnaryStream"):                                1,
		key("grpc_client_msg_received_total", "server_stream", "SayHelloUnaryStream"):                            1,
		key("grpc_client_started_total", "client_stream", "SayHelloStreamUnary"):                                 1,
		key("grpc_client_handled_total", "client_stream", "SayHelloStreamUnary", "grpc_code=FailedPrecondition"): 1,
		key("grpc_client_msg_sent_total", "client_stream", "SayHelloStreamUnary"):                                1,
		key("grpc_client_msg_received_total", "client_stream", "SayHelloStreamUnary"):                            0,
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_client_"), want)
}

func TestStreamCreationFails(t *testing.T) {
	cm := grpcprom.NewClientMetrics()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(cm)
	// Nothing listens here: the listener is closed before dialling.
	e := startEnv(t, nil, cm.DialOptions())
	e.srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.client.SayHelloBidiStream(ctx); status.Code(err) != codes.Unavailable {
		t.Fatalf("creating a stream to a stopped server: %v, want Unavailable", err)
	}
	want := map[string]float64{
		key("grpc_client_started_total", "bidi_stream", "SayHelloBidiStream"):                          1,
		key("grpc_client_handled_total", "bidi_stream", "SayHelloBidiStream", "grpc_code=Unavailable"): 1,
		key("grpc_client_msg_sent_total", "bidi_stream", "SayHelloBidiStream"):                         0,
		key("grpc_client_msg_received_total", "bidi_stream", "SayHelloBidiStream"):                     0,
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_client_"), want)
}
