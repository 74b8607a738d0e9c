package grpcprom_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// behindProxy starts a server and a client that reaches it through a
// proxy.
func behindProxy(t *testing.T, r *rig, so []grpc.ServerOption, do ...grpc.DialOption) (*proxy, *env) {
	t.Helper()
	lis := listen(t)
	srv := r.serve(t, lis, nil, so...)
	p := newProxy(t, lis.Addr().String())
	conn := r.dial(t, p.addr(), do...)
	return p, &env{srv: srv, conn: conn, client: pb.NewGreeterClient(conn), addr: p.addr()}
}

// TestFaultConnectionCut: the TCP connection is cut with an RPC of every
// type open mid-stream.
func TestFaultConnectionCut(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			r := newRig(t, fe)
			p, e := behindProxy(t, r, nil)
			o := openAll(t, context.Background(), e.client, r.reg)
			p.cut()
			assertCallers(t, o.finish(), codes.Unavailable)
			ts := settled(t, r.reg)
			eachCode(t, ts, "client", codes.Unavailable, 1)
			eachCode(t, ts, "server", codes.Canceled, 1)
		})
	}
}

// TestFaultConnectionCutDuringUpload: a client stream keeps sending after
// the cut. SendMsg reports io.EOF and gRPC tells the stats handler the
// attempt succeeded (docs/upstream-ok-without-response.md); the stats
// handler records Unknown, since no response came, and counts it.
func TestFaultConnectionCutDuringUpload(t *testing.T) {
	want := map[string]string{"interceptors": "Unavailable", "stats": "Unknown"}
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			r := newRig(t, fe)
			p, e := behindProxy(t, r, nil)
			cs, err := e.client.SayHelloStreamUnary(context.Background())
			if err != nil {
				t.Fatalf("client stream: %v", err)
			}
			if err := cs.Send(&pb.HelloRequest{Name: "ok"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			eventually(t, "the server to start the stream", func() bool {
				tl := tallies(t, r.reg)[greeterKey("server", mClient.typ, mClient.method)]
				return tl != nil && tl.started == 1
			})
			p.cut()
			eventually(t, "the client to see the cut", func() bool { return e.conn.GetState() != connectivity.Ready })
			sendUntilEOF(t, cs)
			if _, err := cs.CloseAndRecv(); status.Code(err) != codes.Unavailable {
				t.Fatalf("CloseAndRecv: %v, want Unavailable", err)
			}
			ts := settled(t, r.reg)
			assertCodes(t, ts, "client", mClient.typ, mClient.method, map[string]float64{want[fe.name]: 1})
			assertCodes(t, ts, "server", mClient.typ, mClient.method, codeCount(codes.Canceled, 1))
			if fe.name == "stats" {
				if v := value(t, r.reg, "grpcprom_client_ok_without_response_total{}"); v != 1 {
					t.Errorf("ok_without_response = %g, want 1", v)
				}
			}
		})
	}
}

// TestFaultKeepalive: the proxy stops forwarding, and the side whose
// keepalive ping goes unanswered closes the connection. gRPC's minimum
// intervals are 1 s for servers and 10 s for clients, so the subtests
// run in parallel.
func TestFaultKeepalive(t *testing.T) {
	policy := grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true})
	sides := []struct {
		name string
		so   []grpc.ServerOption
		do   []grpc.DialOption
	}{
		{"server", []grpc.ServerOption{policy, grpc.KeepaliveParams(keepalive.ServerParameters{Time: time.Second, Timeout: 100 * time.Millisecond})}, nil},
		{"client", []grpc.ServerOption{policy}, []grpc.DialOption{grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 10 * time.Second, Timeout: 100 * time.Millisecond, PermitWithoutStream: true})}},
	}
	for _, fe := range frontEnds {
		for _, side := range sides {
			t.Run(fe.name+"/"+side.name, func(t *testing.T) {
				t.Parallel()
				r := newRig(t, fe)
				p, e := behindProxy(t, r, side.so, side.do...)
				o := openAll(t, context.Background(), e.client, r.reg)
				p.stall.Store(true)
				assertCallers(t, o.finish(), codes.Unavailable)
				ts := settled(t, r.reg)
				eachCode(t, ts, "client", codes.Unavailable, 1)
				eachCode(t, ts, "server", codes.Canceled, 1)
			})
		}
	}
}
