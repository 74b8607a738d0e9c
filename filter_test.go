package grpcprom_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// TestWithoutHealthChecks floods the health service and checks that it
// leaves no series at all, through both front ends, with
// pre-initialization on.
func TestWithoutHealthChecks(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			sm := grpcprom.NewServerMetrics(grpcprom.WithoutHealthChecks(), grpcprom.WithServerHandlingTimeHistogram())
			cm := grpcprom.NewClientMetrics(grpcprom.WithoutHealthChecks())
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(sm, cm)
			so, do := fe.install(sm, cm)
			addr := startServer(t, so, func(s *grpc.Server) {
				pb.RegisterGreeterServer(s, greeter{})
				healthpb.RegisterHealthServer(s, health.NewServer())
				sm.InitializeMetrics(s)
			})
			conn := dial(t, addr, do)
			hc := healthpb.NewHealthClient(conn)
			for range 500 {
				if _, err := hc.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
					t.Fatalf("health check: %v", err)
				}
			}
			w, err := hc.Watch(context.Background(), &healthpb.HealthCheckRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Recv(); err != nil {
				t.Fatalf("watch: %v", err)
			}
			if _, err := pb.NewGreeterClient(conn).SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
				t.Fatal(err)
			}
			settleHandled(t, reg, "SayHello", 1)
			got := snapshot(t, reg)
			for k := range got {
				if strings.Contains(k, "grpc.health.v1") {
					t.Errorf("health check recorded: %s", k)
				}
			}
			if v := got[key("grpc_client_handled_total", "unary", "SayHello", "grpc_code=OK")]; v != 1 {
				t.Errorf("SayHello on the client = %g, want 1", v)
			}
		})
	}
}

// settleHandled waits until the server has handled n RPCs of method.
func settleHandled(t *testing.T, reg prometheus.Gatherer, method string, n float64) {
	t.Helper()
	eventually(t, "the server to handle "+method, func() bool {
		return value(t, reg, key("grpc_server_handled_total", "unary", method, "grpc_code=OK")) == n
	})
}

// TestMethodFilterRunsOncePerName: the filter's answer is cached per name
// within the method limit; names past the limit are filtered on every call
// and never stored.
func TestMethodFilterRunsOncePerName(t *testing.T) {
	var calls atomic.Int64
	cm := grpcprom.NewClientMetrics(grpcprom.WithMethodLimit(3), grpcprom.WithMethodFilter(func(m string) bool {
		calls.Add(1)
		return !strings.HasSuffix(m, "/Skip")
	}))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(cm)
	e := startEnv(t, nil, cm.DialOptions())
	ctx := context.Background()
	for round := range 3 {
		for i := range 5 {
			_ = e.conn.Invoke(ctx, fmt.Sprintf("/svc.S%d/Skip", i), &pb.HelloRequest{}, &pb.HelloReply{})
		}
		if round == 0 && calls.Load() != 5 {
			t.Fatalf("filter ran %d times for 5 names, want 5", calls.Load())
		}
	}
	// The limit of 3 caches the answer for 3 names; the 2 others are
	// filtered again on each of the 2 later rounds.
	if calls.Load() != 5+2*2 {
		t.Errorf("filter ran %d times, want %d", calls.Load(), 5+2*2)
	}
	for k := range snapshot(t, reg) {
		if strings.Contains(k, "Skip") {
			t.Errorf("filtered method recorded: %s", k)
		}
	}
}

func TestMethodFilterNil(t *testing.T) {
	mustPanic(t, func() { grpcprom.NewServerMetrics(grpcprom.WithMethodFilter(nil)) },
		"grpcprom: NewServerMetrics: WithMethodFilter: the filter function is nil")
}
