package connectprom_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/seed-db7adb15/grpcprom"
	"github.com/seed-db7adb15/grpcprom/connectprom"
	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
)

// TestExactlyOnceUnderLoad runs concurrent RPCs of every type that end in
// every way (OK, errors, panics, deadlines, caller cancellations, streams
// the caller abandons without reading them to the end) over each protocol,
// and checks that each side handled every RPC it started exactly once.
func TestExactlyOnceUnderLoad(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			reg, sm, cm := newPair(grpcprom.WithInFlightGauge())
			cc := connectClient(t, startConnect(t, sm, true), cm, true, p)
			c := connectCaller{c: cc}
			const workers, calls = 4, 40
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < calls; i++ {
						ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
						switch (w + i) % 8 {
						case 0:
							_ = c.unary(ctx, []string{"ok", "notfound", "panic", "block"}[i%4])
						case 1:
							_ = c.serverStream(ctx, []string{"5", "fail", "panic", "hang"}[i%4])
						case 2:
							_ = c.clientStream(ctx, "a", []string{"b", "fail", "panic", "block"}[i%4])
						case 3:
							_ = c.bidi(ctx, "a", []string{"b", "fail", "panic", "block"}[i%4])
						case 4:
							_ = c.cancelBidi(ctx)
						case 5:
							_ = c.cancelServerStream(ctx)
						case 6:
							// Abandon a server stream after one reply.
							s, err := cc.SayHelloUnaryStream(ctx, connect.NewRequest(&pb.HelloRequest{Name: "9"}))
							if err == nil {
								s.Receive()
								_ = s.Close()
							}
						case 7:
							// Abandon a bidi stream without reading.
							s := cc.SayHelloBidiStream(ctx)
							_ = s.Send(&pb.HelloRequest{Name: "a"})
							_ = s.CloseResponse()
							_ = s.CloseRequest()
						}
						cancel()
					}
				}()
			}
			wg.Wait()
			settle(t, reg)
			got := snapshot(t, reg)
			var started float64
			for k, v := range got {
				if strings.Contains(k, "_in_flight_rpcs{") && v != 0 {
					t.Errorf("%s = %g after settling", k, v)
				}
				if strings.Contains(k, "_started_total{") {
					started += v
				}
			}
			// Every call began on the client; the server saw most of them.
			if started < workers*calls {
				t.Errorf("started %g, want at least %d", started, workers*calls)
			}
			for _, side := range []string{"server", "client"} {
				for _, m := range []struct{ typ, method string }{
					{"unary", "SayHello"}, {"server_stream", "SayHelloUnaryStream"},
					{"client_stream", "SayHelloStreamUnary"}, {"bidi_stream", "SayHelloBidiStream"},
				} {
					s := got[key("grpc_"+side+"_started_total", m.typ, m.method)]
					var h float64
					for k, v := range withPrefix(got, "grpc_"+side+"_handled_total{") {
						if strings.Contains(k, fmt.Sprintf("grpc_method=%q", m.method)) {
							h += v
						}
					}
					if s == 0 || s != h {
						t.Errorf("%s %s: started %g, handled %g", side, m.method, s, h)
					}
				}
			}
		})
	}
}

// TestClientCardinalityBound calls many distinct procedures, which a
// client can name freely: past the method limit they are recorded under
// the catch-all, each exactly once.
func TestClientCardinalityBound(t *testing.T) {
	reg, sm, cm := newPair(grpcprom.WithMethodLimit(10))
	srv := startConnect(t, sm, true)
	hc := httpClient(t, true)
	const n = 200
	for i := 0; i < n; i++ {
		url := fmt.Sprintf("%s/pkg.Service%d/Method%d", srv.URL, i, i)
		if i%5 == 0 {
			url = srv.URL + "/" + strings.Repeat("m", 300) + fmt.Sprintf("/%d", i) // too long for series of its own
		}
		c := connect.NewClient[pb.HelloRequest, pb.HelloReply](hc, url, connect.WithGRPC(),
			connect.WithInterceptors(connectprom.ClientInterceptor(cm)))
		if _, err := c.CallUnary(context.Background(), connect.NewRequest(&pb.HelloRequest{})); connect.CodeOf(err) != connect.CodeUnimplemented {
			t.Fatalf("call %s: %v, want Unimplemented", url, err)
		}
	}
	got := withPrefix(snapshot(t, reg), "grpc_client_handled_total{")
	var total float64
	methods := map[string]bool{}
	for k, v := range got {
		total += v
		methods[k[strings.Index(k, "grpc_method="):]] = true
	}
	if total != n {
		t.Errorf("handled %g, want %d", total, n)
	}
	// 10 methods of their own and the catch-all.
	if len(got) != 11 || len(methods) != 11 {
		t.Errorf("%d handled series of %d methods, want 11", len(got), len(methods))
	}
	if v := got[`grpc_client_handled_total{grpc_code="Unimplemented",grpc_method="unknown",grpc_service="unknown",grpc_type="unary"}`]; v != n-10 {
		t.Errorf("catch-all handled %g, want %d", v, n-10)
	}
	if len(nonZero(withPrefix(snapshot(t, reg), "grpc_server_"))) != 0 {
		t.Errorf("the server recorded calls it never served")
	}
}
