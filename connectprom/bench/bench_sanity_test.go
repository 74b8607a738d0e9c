package bench

import (
	"context"
	"testing"

	"connectrpc.com/connect"

	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
)

// TestImplsRecord checks that the compared implementations are wired up:
// after the calls the benchmarks make, each exports the metric families
// it is known for.
func TestImplsRecord(t *testing.T) {
	want := map[string][]string{
		"connectprom": {"grpc_server_handled_total", "grpc_client_handled_total", "grpc_server_handling_seconds", "grpc_client_handling_seconds"},
		"otelconnect": {"rpc_server_call_duration_seconds", "rpc_client_call_duration_seconds"},
	}
	for _, im := range impls[1:] {
		t.Run(im.name, func(t *testing.T) {
			c, reg := start(t, im)
			if _, err := c.SayHello(context.Background(), connect.NewRequest(&pb.HelloRequest{Name: "x"})); err != nil {
				t.Fatalf("call: %v", err)
			}
			mfs, err := reg.Gather()
			if err != nil {
				t.Fatalf("gather: %v", err)
			}
			have := map[string]bool{}
			for _, mf := range mfs {
				have[mf.GetName()] = true
			}
			for _, name := range want[im.name] {
				if !have[name] {
					t.Errorf("no %s among %v", name, have)
				}
			}
		})
	}
}
