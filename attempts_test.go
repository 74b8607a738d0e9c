package grpcprom_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// flaky fails each request name with Unavailable as often as the name
// asks ("2:a" fails twice), then answers.
type flaky struct {
	pb.UnimplementedGreeterServer
	mu   sync.Mutex
	seen map[string]int
}

func (f *flaky) SayHello(_ context.Context, in *pb.HelloRequest) (*pb.HelloReply, error) {
	var fails int
	var tag string
	_, _ = fmt.Sscanf(in.GetName(), "%d:%s", &fails, &tag)
	f.mu.Lock()
	f.seen[in.GetName()]++
	n := f.seen[in.GetName()]
	f.mu.Unlock()
	if n <= fails {
		return nil, status.Error(codes.Unavailable, "try again")
	}
	return &pb.HelloReply{Message: in.GetName()}, nil
}

// TestClientAttemptMetrics: under a retry policy, the interceptors count
// calls and the attempt metrics count attempts, and attempts minus calls
// equals the retries the server saw.
func TestClientAttemptMetrics(t *testing.T) {
	sm := grpcprom.NewServerMetrics()
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientAttemptMetrics(), grpcprom.WithClientHandlingTimeHistogram())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	addr := startServer(t, sm.ServerOptions(), func(s *grpc.Server) {
		pb.RegisterGreeterServer(s, &flaky{seen: map[string]int{}})
	})
	conn := dial(t, addr, append(cm.DialOptions(), grpc.WithDefaultServiceConfig(retryConfig)))
	c := pb.NewGreeterClient(conn)
	retries := 0
	for i := range 5 {
		fails := i % 3
		retries += fails
		if _, err := c.SayHello(context.Background(), &pb.HelloRequest{Name: fmt.Sprintf("%d:call%d", fails, i)}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// One call that exhausts its 4 attempts.
	if _, err := c.SayHello(context.Background(), &pb.HelloRequest{Name: "9:doomed"}); status.Code(err) != codes.Unavailable {
		t.Fatalf("doomed call: %v, want Unavailable", err)
	}
	retries += 3
	calls, attempts := 6.0, 6.0+float64(retries)

	eventually(t, "the server to handle every attempt", func() bool {
		return value(t, reg, key("grpc_server_started_total", "unary", "SayHello")) == attempts
	})
	want := map[string]float64{
		key("grpc_client_started_total", "unary", "SayHello"):                                  calls,
		key("grpc_client_handled_total", "unary", "SayHello", "grpc_code=OK"):                  5,
		key("grpc_client_handled_total", "unary", "SayHello", "grpc_code=Unavailable"):         1,
		key("grpc_client_handling_seconds_count", "unary", "SayHello"):                         calls,
		key("grpc_client_msg_sent_total", "unary", "SayHello"):                                 calls,
		key("grpc_client_msg_received_total", "unary", "SayHello"):                             5,
		key("grpc_client_attempt_started_total", "unary", "SayHello"):                          attempts,
		key("grpc_client_attempt_handled_total", "unary", "SayHello", "grpc_code=OK"):          5,
		key("grpc_client_attempt_handled_total", "unary", "SayHello", "grpc_code=Unavailable"): attempts - 5,
		key("grpc_client_attempt_handling_seconds_count", "unary", "SayHello"):                 attempts,
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_client_"), want)
	if got := value(t, reg, key("grpc_server_started_total", "unary", "SayHello")) - calls; got != float64(retries) {
		t.Errorf("server saw %g retries, want %d", got, retries)
	}
}
