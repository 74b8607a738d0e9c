package connectprom_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
)

// TestMethodFilter: a method the filter skips records nothing on either
// side, for unary and streaming calls alike, while the others are
// recorded as usual.
func TestMethodFilter(t *testing.T) {
	reg, sm, cm := newPair(grpcprom.WithMethodFilter(func(m string) bool { return !strings.HasSuffix(m, "/SayHelloUnaryStream") }))
	c := connectClient(t, startConnect(t, sm, true), cm, true, protocols[0])
	ctx := context.Background()
	if _, err := c.SayHello(ctx, connect.NewRequest(&pb.HelloRequest{Name: "ok"})); err != nil {
		t.Fatal(err)
	}
	ss, err := c.SayHelloUnaryStream(ctx, connect.NewRequest(&pb.HelloRequest{Name: "2"}))
	if err != nil {
		t.Fatal(err)
	}
	for ss.Receive() {
	}
	if err := ss.Err(); err != nil {
		t.Fatal(err)
	}
	_ = ss.Close()
	settle(t, reg)
	got := snapshot(t, reg)
	for k := range got {
		if strings.Contains(k, "SayHelloUnaryStream") {
			t.Errorf("skipped method recorded: %s", k)
		}
	}
	for _, side := range []string{"server", "client"} {
		if v := got[key("grpc_"+side+"_handled_total", "unary", "SayHello", "grpc_code=OK")]; v != 1 {
			t.Errorf("%s SayHello handled = %g, want 1", side, v)
		}
	}
}
