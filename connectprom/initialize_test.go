package connectprom_test

import (
	"testing"

	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom/connectprom"
	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
)

// TestInitializeMatchesGRPC: initializing from the generated descriptors
// creates exactly the series grpcprom's InitializeMetrics creates for a
// grpc-go server and client of the same service.
func TestInitializeMatchesGRPC(t *testing.T) {
	for _, set := range optionSets {
		t.Run(set.name, func(t *testing.T) {
			reg, sm, cm := newPair(set.opts...)
			srv := grpc.NewServer()
			pb.RegisterGreeterServer(srv, grpcGreeter{})
			sm.InitializeMetrics(srv)
			cm.InitializeMetrics(&pb.Greeter_ServiceDesc)
			want := snapshot(t, reg)

			reg, sm, cm = newPair(set.opts...)
			connectprom.InitializeServer(sm, connectprom.Services(pb.File_helloworld_proto)...)
			connectprom.InitializeClient(cm, pb.File_helloworld_proto.Services().ByName("Greeter"), nil)
			got := snapshot(t, reg)
			if len(got) < 4*17*2 {
				t.Fatalf("only %d series", len(got))
			}
			assertSeries(t, got, want)
		})
	}
}
