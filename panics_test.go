package grpcprom_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// TestPanicsEveryType: a handler panic on each RPC type is counted once in
// grpc_server_panics_total and handled once as Internal; a method that
// never panics gets no panic series.
func TestPanicsEveryType(t *testing.T) {
	sm := grpcprom.NewServerMetrics()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	e := startEnv(t, []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(recoverUnary, sm.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(recoverStream, sm.StreamServerInterceptor()),
	}, nil)
	ctx := context.Background()
	panicked := func(what string, err error) {
		t.Helper()
		if status.Code(err) != codes.Internal {
			t.Fatalf("%s: %v, want Internal", what, err)
		}
	}
	_, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "panic"})
	panicked("unary", err)

	ss, err := e.client.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: "panic"})
	if err != nil {
		t.Fatal(err)
	}
	for err == nil {
		_, err = ss.Recv()
	}
	panicked("server stream", err)

	cs, err := e.client.SayHelloStreamUnary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = cs.Send(&pb.HelloRequest{Name: "panic"})
	_, err = cs.CloseAndRecv()
	panicked("client stream", err)

	bs, err := e.client.SayHelloBidiStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = bs.Send(&pb.HelloRequest{Name: "panic"})
	for err == nil {
		_, err = bs.Recv()
	}
	panicked("bidi stream", err)

	if _, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for _, p := range perType {
		want[key("grpc_server_panics_total", p.typ, p.method)] = 1
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_server_panics_total"), want)
	for _, p := range perType {
		if v := value(t, reg, key("grpc_server_handled_total", p.typ, p.method, "grpc_code=Internal")); v != 1 {
			t.Errorf("%s handled Internal = %g, want 1", p.method, v)
		}
	}
}
