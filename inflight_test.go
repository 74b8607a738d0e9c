package grpcprom_test

import (
	"context"
	"testing"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestInFlightGauges(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			reg, e := fullPair(t, fe)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() {
				_, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "block"})
				done <- err
			}()
			sk := key("grpc_server_in_flight_rpcs", "unary", "SayHello")
			ck := key("grpc_client_in_flight_rpcs", "unary", "SayHello")
			eventually(t, "the slow call to be in flight", func() bool {
				s := snapshot(t, reg)
				return s[sk] == 1 && s[ck] == 1
			})
			cancel()
			if err := <-done; status.Code(err) != codes.Canceled {
				t.Fatalf("slow call: %v, want Canceled", err)
			}
			eventually(t, "the gauges to return to 0", func() bool {
				s := snapshot(t, reg)
				return s[sk] == 0 && s[ck] == 0
			})
			mixedTraffic(t, e)
			settle(t, reg)
			if v := value(t, reg, key("grpc_server_in_flight_rpcs", "bidi_stream", "SayHelloBidiStream")); v != 0 {
				t.Errorf("bidi in flight = %g after traffic stopped, want 0", v)
			}
		})
	}
}
