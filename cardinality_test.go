package grpcprom_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

func TestInitializeMetrics(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	srv := grpc.NewServer(sm.ServerOptions()...)
	pb.RegisterGreeterServer(srv, greeter{})
	sm.InitializeMetrics(srv)

	want := map[string]float64{}
	for _, p := range perType {
		want[key("grpc_server_started_total", p.typ, p.method)] = 0
		want[key("grpc_server_msg_received_total", p.typ, p.method)] = 0
		want[key("grpc_server_msg_sent_total", p.typ, p.method)] = 0
		want[key("grpc_server_handling_seconds_count", p.typ, p.method)] = 0
		want[key("grpc_server_panics_total", p.typ, p.method)] = 0
		for c := codes.OK; c <= codes.Unauthenticated; c++ {
			want[key("grpc_server_handled_total", p.typ, p.method, "grpc_code="+c.String())] = 0
		}
	}
	if len(want) != 4*(5+17) {
		t.Fatalf("test expects %d series, want %d", len(want), 4*(5+17))
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_server_"), want)
}

// unknownHandler answers every method the server does not register.
func unknownHandler(any, grpc.ServerStream) error {
	return status.Error(codes.Unimplemented, "no such method")
}

// callUnknown calls n distinct methods the server does not register.
func callUnknown(t *testing.T, e *env, n int) {
	t.Helper()
	for i := range n {
		err := e.conn.Invoke(context.Background(), fmt.Sprintf("/flood.Svc%d/M%d", i, i), &pb.HelloRequest{}, &pb.HelloReply{})
		if status.Code(err) != codes.Unimplemented {
			t.Fatalf("unknown method %d: %v, want Unimplemented", i, err)
		}
	}
}

func TestUnknownMethodsAfterInitialize(t *testing.T) {
	sm := grpcprom.NewServerMetrics()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	lis := startEnv(t, append(sm.ServerOptions(), grpc.UnknownServiceHandler(unknownHandler)), nil)
	sm.InitializeMetrics(lis.srv)
	callUnknown(t, lis, 300)
	driveAllTypes(t, lis.client)

	got := labelValues(t, reg, "grpc_server_started_total", "grpc_method")
	want := map[string]float64{"SayHello": 1, "SayHelloUnaryStream": 1, "SayHelloStreamUnary": 1, "SayHelloBidiStream": 1, "unknown": 300}
	assertSeries(t, got, want)
	unknown := `grpc_server_handled_total{grpc_code="Unimplemented",grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"}`
	if v := snapshot(t, reg)[unknown]; v != 300 {
		t.Errorf("%s = %g, want 300", unknown, v)
	}
}

func TestUnknownMethodsCapped(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithMethodLimit(10))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	e := startEnv(t, append(sm.ServerOptions(), grpc.UnknownServiceHandler(unknownHandler)), nil)
	driveAllTypes(t, e.client) // 4 methods
	callUnknown(t, e, 500)     // 6 more fit under the limit

	got := labelValues(t, reg, "grpc_server_started_total", "grpc_method")
	if len(got) != 11 {
		t.Errorf("distinct grpc_method values = %d, want 11 (10 + unknown): %v", len(got), got)
	}
	if got["unknown"] != 494 {
		t.Errorf("unknown started = %g, want 494", got["unknown"])
	}
	total := 0.0
	for _, v := range got {
		total += v
	}
	if total != 504 {
		t.Errorf("started in all = %g, want 504", total)
	}
}

func TestConcurrentExactTotals(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithInFlightGauge())
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(),
		grpcprom.WithClientStreamRecvHistogram(), grpcprom.WithClientStreamSendHistogram(), grpcprom.WithInFlightGauge())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	e := startEnv(t, sm.ServerOptions(), cm.DialOptions())

	const workers, rounds = 16, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				name := "ok"
				if (w+i)%3 == 0 {
					name = "wrapped"
				}
				_, _ = e.client.SayHello(context.Background(), &pb.HelloRequest{Name: name})
				ss, err := e.client.SayHelloUnaryStream(context.Background(), &pb.HelloRequest{Name: "2"})
				if err != nil {
					t.Errorf("server stream: %v", err)
					return
				}
				for {
					if _, err := ss.Recv(); err != nil {
						break
					}
				}
				bs, err := e.client.SayHelloBidiStream(context.Background())
				if err != nil {
					t.Errorf("bidi: %v", err)
					return
				}
				_ = bs.Send(&pb.HelloRequest{Name: name})
				_ = bs.CloseSend()
				for {
					if _, err := bs.Recv(); err == io.EOF || err != nil {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	const n = workers * rounds
	s := snapshot(t, reg)
	for _, side := range []string{"server", "client"} {
		for _, m := range []struct{ typ, method string }{
			{"unary", "SayHello"}, {"server_stream", "SayHelloUnaryStream"}, {"bidi_stream", "SayHelloBidiStream"},
		} {
			started := s[key("grpc_"+side+"_started_total", m.typ, m.method)]
			handled := 0.0
			for c := codes.OK; c <= codes.Unauthenticated; c++ {
				handled += s[key("grpc_"+side+"_handled_total", m.typ, m.method, "grpc_code="+c.String())]
			}
			if started != n || handled != n {
				t.Errorf("%s %s: started %g, handled %g, want %d each", side, m.method, started, handled, n)
			}
			if v := s[key("grpc_"+side+"_in_flight_rpcs", m.typ, m.method)]; v != 0 {
				t.Errorf("%s %s in flight = %g, want 0", side, m.method, v)
			}
			if v := s[key("grpc_"+side+"_handling_seconds_count", m.typ, m.method)]; v != n {
				t.Errorf("%s %s handling count = %g, want %d", side, m.method, v, n)
			}
		}
	}
	wrapped := 0
	for w := range workers {
		for i := range rounds {
			if (w+i)%3 == 0 {
				wrapped++
			}
		}
	}
	for _, side := range []string{"server", "client"} {
		name := "grpc_" + side + "_handled_total"
		want := map[string]float64{
			key(name, "unary", "SayHello", "grpc_code=OK"):                       float64(n - wrapped),
			key(name, "unary", "SayHello", "grpc_code=NotFound"):                 float64(wrapped),
			key(name, "bidi_stream", "SayHelloBidiStream", "grpc_code=OK"):       float64(n - wrapped),
			key(name, "bidi_stream", "SayHelloBidiStream", "grpc_code=NotFound"): float64(wrapped),
			key(name, "server_stream", "SayHelloUnaryStream", "grpc_code=OK"):    n,
		}
		assertSeries(t, filter(s, name), want)
	}
	if s[key("grpc_server_msg_sent_total", "server_stream", "SayHelloUnaryStream")] != 2*n {
		t.Errorf("server stream replies = %g, want %d", s[key("grpc_server_msg_sent_total", "server_stream", "SayHelloUnaryStream")], 2*n)
	}
	if s[key("grpc_client_msg_received_total", "server_stream", "SayHelloUnaryStream")] != 2*n {
		t.Errorf("client stream replies = %g, want %d", s[key("grpc_client_msg_received_total", "server_stream", "SayHelloUnaryStream")], 2*n)
	}
}

// TestCallerNamesTheCatchAll: a caller that calls "/unknown/unknown" is
// recorded in the catch-all itself, never in a second series with the
// same labels, which would break every scrape.
func TestCallerNamesTheCatchAll(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			sm := grpcprom.NewServerMetrics()
			cm := grpcprom.NewClientMetrics()
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(sm, cm)
			so, do := fe.install(sm, cm)
			e := startEnv(t, append(so, grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error { return nil })), do)
			for _, m := range []string{"/unknown/unknown", "no-slash", "/unknown/unknown"} {
				_ = e.conn.Invoke(context.Background(), m, &pb.HelloRequest{}, &pb.HelloReply{})
			}
			settle(t, reg)
			started := value(t, reg, `grpc_client_started_total{grpc_method="unknown",grpc_service="unknown",grpc_type="unary"}`)
			if started != 3 {
				t.Errorf("client catch-all started = %g, want 3", started)
			}
		})
	}
}
