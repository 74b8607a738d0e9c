package grpcprom_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
	"github.com/seed-db7adb15/grpcprom/internal/testkit"
)

// TestConcurrentCallsCountExactly: calls from many goroutines at once on
// one method, which spread over the series' stripes, add up to exact
// counters, gauges, histogram counts and size sums on both sides, through
// the server's stats handler and the client's interceptors.
func TestConcurrentCallsCountExactly(t *testing.T) {
	const workers, each = 8, 150
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(),
		grpcprom.WithMessageSizeHistogram(), grpcprom.WithInFlightGauge())
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(), grpcprom.WithInFlightGauge())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	e := startEnv(t, []grpc.ServerOption{grpc.StatsHandler(sm.StatsHandler())},
		[]grpc.DialOption{grpc.WithUnaryInterceptor(cm.UnaryClientInterceptor())})

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for range each {
				if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "x"}); err != nil {
					errs <- fmt.Errorf("worker %d: %w", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	const n = workers * each
	reqSize := proto.Size(&pb.HelloRequest{Name: "x"})
	respSize := proto.Size(&pb.HelloReply{Message: "hello x"})
	want := map[string]float64{}
	for _, side := range []string{"server", "client"} {
		want[testkit.Key("grpc_"+side+"_started_total", "unary", "SayHello")] = n
		want[testkit.Key("grpc_"+side+"_handled_total", "unary", "SayHello", "grpc_code=OK")] = n
		want[testkit.Key("grpc_"+side+"_msg_received_total", "unary", "SayHello")] = n
		want[testkit.Key("grpc_"+side+"_msg_sent_total", "unary", "SayHello")] = n
		want[testkit.Key("grpc_"+side+"_handling_seconds_count", "unary", "SayHello")] = n
		want[testkit.Key("grpc_"+side+"_in_flight_rpcs", "unary", "SayHello")] = 0
	}
	want[testkit.Key("grpc_server_msg_received_size_bytes_count", "unary", "SayHello")] = n
	want[testkit.Key("grpc_server_msg_sent_size_bytes_count", "unary", "SayHello")] = n
	testkit.AssertContains(t, testkit.Snapshot(t, reg), want)

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				sums[mf.GetName()] = h.GetSampleSum()
			}
		}
	}
	if got, want := sums["grpc_server_msg_received_size_bytes"], float64(n*reqSize); got != want {
		t.Errorf("received size sum = %v, want %v", got, want)
	}
	if got, want := sums["grpc_server_msg_sent_size_bytes"], float64(n*respSize); got != want {
		t.Errorf("sent size sum = %v, want %v", got, want)
	}
}
