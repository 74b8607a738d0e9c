package grpcprom_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// relay answers SayHello by calling the next server with the handler's own
// context, as a gateway or a middle tier does.
type relay struct {
	pb.UnimplementedGreeterServer
	next pb.GreeterClient
}

func (r relay) SayHello(ctx context.Context, in *pb.HelloRequest) (*pb.HelloReply, error) {
	return r.next.SayHello(ctx, in)
}

// TestRelay: a middle tier's server and client metrics share the call's
// context, and each records its own side exactly once. A stats handler that
// kept per-RPC state under a shared context key would mix the two.
func TestRelay(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			backSM := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
			midSM := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithConstLabels(prometheus.Labels{"tier": "mid"}))
			midCM := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(), grpcprom.WithConstLabels(prometheus.Labels{"tier": "mid"}))
			frontCM := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram())
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(backSM, frontCM)
			midReg := prometheus.NewPedanticRegistry()
			midReg.MustRegister(midSM, midCM)

			backSO, _ := fe.install(backSM, frontCM)
			back := startEnv(t, backSO, nil)
			midSO, midDO := fe.install(midSM, midCM)
			mid := startServer(t, midSO, func(s *grpc.Server) {
				pb.RegisterGreeterServer(s, relay{next: pb.NewGreeterClient(dial(t, back.addr, midDO))})
			})
			_, frontDO := fe.install(backSM, frontCM)
			front := pb.NewGreeterClient(dial(t, mid, frontDO))

			for range 3 {
				if _, err := front.SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
					t.Fatalf("relayed call: %v", err)
				}
			}
			settle(t, reg)
			settle(t, midReg)
			want := map[string]float64{}
			for _, side := range []string{"server", "client"} {
				want[key("grpc_"+side+"_started_total", "unary", "SayHello")] = 3
				want[key("grpc_"+side+"_handled_total", "unary", "SayHello", "grpc_code=OK")] = 3
				want[key("grpc_"+side+"_handling_seconds_count", "unary", "SayHello")] = 3
				want[key("grpc_"+side+"_msg_received_total", "unary", "SayHello")] = 3
				want[key("grpc_"+side+"_msg_sent_total", "unary", "SayHello")] = 3
			}
			assertSeries(t, filter(snapshot(t, reg), "grpc_"), want)
			midWant := map[string]float64{}
			for k, v := range want {
				midWant[withLabel(k, "tier=mid")] = v
			}
			assertSeries(t, filter(snapshot(t, midReg), "grpc_"), midWant)
		})
	}
}
