package connectprom_test

import (
	"context"
	"testing"
)

// TestAllTypesExact drives one RPC of each type, and a failing unary one,
// through a connect-go client and handler, for each protocol over h2c, and
// checks every series of both sides: started, handled with its code, each
// message, and each histogram's observations.
func TestAllTypesExact(t *testing.T) {
	type row struct {
		typ, method string
		started     float64
		handled     map[string]float64
		// messages received and sent by the server and by the client
		srvRecv, srvSent, cliRecv, cliSent float64
		// observations of the client's per-call histograms
		recvCalls, sendCalls float64
	}
	rows := []row{
		{"unary", "SayHello", 2, map[string]float64{"OK": 1, "NotFound": 1}, 2, 1, 1, 2, 0, 0},
		// Receive is called for each reply and once more for the end.
		{"server_stream", "SayHelloUnaryStream", 1, map[string]float64{"OK": 1}, 1, 3, 3, 1, 4, 1},
		// CloseAndReceive's two Receive calls are one observation.
		{"client_stream", "SayHelloStreamUnary", 1, map[string]float64{"OK": 1}, 2, 1, 1, 2, 1, 2},
		{"bidi_stream", "SayHelloBidiStream", 1, map[string]float64{"OK": 1}, 2, 2, 2, 2, 3, 2},
	}
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			reg, sm, cm := newPair()
			c := connectCaller{c: connectClient(t, startConnect(t, sm, true), cm, true, p)}
			ctx := context.Background()
			if err := c.unary(ctx, "ok"); err != nil {
				t.Fatalf("unary: %v", err)
			}
			if err := c.unary(ctx, "notfound"); err == nil {
				t.Fatalf("notfound: no error")
			}
			if err := c.serverStream(ctx, "3"); err != nil {
				t.Fatalf("server stream: %v", err)
			}
			if err := c.clientStream(ctx, "a", "b"); err != nil {
				t.Fatalf("client stream: %v", err)
			}
			if err := c.bidi(ctx, "a", "b"); err != nil {
				t.Fatalf("bidi: %v", err)
			}
			settle(t, reg)
			want := map[string]float64{}
			histogram := func(name, typ, method string, n float64) {
				if n == 0 {
					return
				}
				want[key(name+"_count", typ, method)] = n
				want[key(name+"_bucket", typ, method, "le=60")] = n
			}
			for _, r := range rows {
				for _, side := range []string{"server", "client"} {
					want[key("grpc_"+side+"_started_total", r.typ, r.method)] = r.started
					for code, n := range r.handled {
						want[key("grpc_"+side+"_handled_total", r.typ, r.method, "grpc_code="+code)] = n
					}
					histogram("grpc_"+side+"_handling_seconds", r.typ, r.method, r.started)
				}
				want[key("grpc_server_msg_received_total", r.typ, r.method)] = r.srvRecv
				want[key("grpc_server_msg_sent_total", r.typ, r.method)] = r.srvSent
				want[key("grpc_client_msg_received_total", r.typ, r.method)] = r.cliRecv
				want[key("grpc_client_msg_sent_total", r.typ, r.method)] = r.cliSent
				histogram("grpc_client_msg_recv_handling_seconds", r.typ, r.method, r.recvCalls)
				histogram("grpc_client_msg_send_handling_seconds", r.typ, r.method, r.sendCalls)
			}
			assertSeries(t, nonZero(snapshot(t, reg)), want)
		})
	}
}
