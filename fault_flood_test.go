package grpcprom_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// TestFaultCancelledStreams: 2000 streams cancelled right after they are
// created. Each is recorded once, and once everything is closed no
// goroutine is left behind.
func TestFaultCancelledStreams(t *testing.T) {
	const n = 2000
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			r := newRig(t, fe)
			lis := listen(t)
			srv := r.serve(t, lis, nil)
			conn := r.dial(t, lis.Addr().String())
			c := pb.NewGreeterClient(conn)
			for range n {
				ctx, cancel := context.WithCancel(context.Background())
				if _, err := c.SayHelloBidiStream(ctx); err != nil {
					t.Fatalf("bidi: %v", err)
				}
				cancel()
			}
			ts := settled(t, r.reg)
			assertCodes(t, ts, "client", mBidi.typ, mBidi.method, codeCount(codes.Canceled, n))
			// The server sees the streams whose headers beat the reset.
			if tl := ts[greeterKey("server", mBidi.typ, mBidi.method)]; tl != nil && (tl.handled != tl.codes["Canceled"] || tl.handled > n) {
				t.Errorf("server handled %v, want at most %d, all Canceled", tl.codes, n)
			}
			_ = conn.Close()
			srv.Stop()
			eventually(t, fmt.Sprintf("the goroutines to return to %d", before), func() bool {
				return runtime.NumGoroutine() <= before
			})
		})
	}
}

// TestFaultRandomMethodFlood: callers invoke 100 000 random method names
// (10 000 under -race, where 100 000 take over 40 s per run on two
// cores), with and without an UnknownServiceHandler. Every call is
// recorded once, the names past the method limit share the catch-all, and
// the heap does not grow once the limit is reached.
func TestFaultRandomMethodFlood(t *testing.T) {
	n, workers := 100_000, 8
	if raceEnabled {
		n = 10_000
	}
	for _, fe := range frontEnds {
		for _, withHandler := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/UnknownServiceHandler=%v", fe.name, withHandler), func(t *testing.T) {
				r := newRig(t, fe)
				var so []grpc.ServerOption
				if withHandler {
					so = append(so, grpc.UnknownServiceHandler(unknownHandler))
				}
				e := r.start(t, nil, so)
				var wrong atomic.Int64
				flood := func(calls int) {
					var wg sync.WaitGroup
					for range workers {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for range calls / workers {
								name := fmt.Sprintf("/rnd%x.Svc/M%x", rand.Uint64(), rand.Uint32())
								if err := e.conn.Invoke(context.Background(), name, &pb.HelloRequest{}, &pb.HelloReply{}); status.Code(err) != codes.Unimplemented {
									wrong.Add(1)
								}
							}
						}()
					}
					wg.Wait()
				}
				flood(n / 5)
				heap1 := heapAfterGC()
				flood(n - n/5)
				heap2 := heapAfterGC()
				// Generous: 80 000 calls past the limit must not hold
				// memory; the series themselves were made in the first part.
				if grew := int64(heap2) - int64(heap1); grew > 8<<20 {
					t.Errorf("heap grew by %d bytes over the last %d calls, want under 8 MiB", grew, n-n/5)
				}
				if w := wrong.Load(); w != 0 {
					t.Errorf("%d callers did not get Unimplemented", w)
				}
				e.srv.GracefulStop()
				ts := settled(t, r.reg)
				for _, side := range []string{"server", "client"} {
					var series int
					var codes = map[string]float64{}
					for k, tl := range ts {
						if k.side != side {
							continue
						}
						series++
						for c, v := range tl.codes {
							codes[c] += v
						}
					}
					if series > grpcprom.DefaultMethodLimit+1 {
						t.Errorf("%s: %d methods have series, want at most %d", side, series, grpcprom.DefaultMethodLimit+1)
					}
					want := map[string]float64{"Unimplemented": float64(n)}
					switch {
					case side == "server" && fe.name == "interceptors" && !withHandler:
						want = map[string]float64{} // rejected before any interceptor
					case side == "client" && fe.name == "stats":
						// gRPC reports some rejected calls as successes
						// (docs/upstream-ok-without-response.md); recorded Unknown.
						okNoResp := value(t, r.reg, "grpcprom_client_ok_without_response_total{}")
						if codes["Unknown"] != okNoResp {
							t.Errorf("client Unknown %g, ok_without_response %g: want equal", codes["Unknown"], okNoResp)
						}
						if okNoResp > 0 {
							want = map[string]float64{"Unimplemented": float64(n) - okNoResp, "Unknown": okNoResp}
						}
					}
					if fmt.Sprint(codes) != fmt.Sprint(want) {
						t.Errorf("%s handled %v, want %v", side, codes, want)
					}
				}
			})
		}
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestFaultConcurrentMix: 64 goroutines make 200 calls each, mixing
// every RPC type with successes and failures; the counts are exact.
func TestFaultConcurrentMix(t *testing.T) {
	const goroutines, calls = 64, 200
	// kinds[k] is a call and what it is recorded as.
	kinds := []struct {
		typ, method, code string
		call              func(pb.GreeterClient) error
	}{
		{mUnary.typ, mUnary.method, "OK", func(c pb.GreeterClient) error {
			_, err := c.SayHello(context.Background(), &pb.HelloRequest{Name: "ok"})
			return err
		}},
		{mUnary.typ, mUnary.method, "NotFound", func(c pb.GreeterClient) error {
			_, err := c.SayHello(context.Background(), &pb.HelloRequest{Name: "wrapped"})
			return err
		}},
		{mServer.typ, mServer.method, "OK", func(c pb.GreeterClient) error {
			ss, err := c.SayHelloUnaryStream(context.Background(), &pb.HelloRequest{Name: "3"})
			if err != nil {
				return err
			}
			return codeErr(recvToEnd(ss))
		}},
		{mServer.typ, mServer.method, "FailedPrecondition", func(c pb.GreeterClient) error {
			ss, err := c.SayHelloUnaryStream(context.Background(), &pb.HelloRequest{Name: "fail"})
			if err != nil {
				return err
			}
			return codeErr(recvToEnd(ss))
		}},
		{mClient.typ, mClient.method, "OK", func(c pb.GreeterClient) error {
			cs, err := c.SayHelloStreamUnary(context.Background())
			if err != nil {
				return err
			}
			for range 2 {
				if err := cs.Send(&pb.HelloRequest{Name: "ok"}); err != nil {
					return err
				}
			}
			_, err = cs.CloseAndRecv()
			return err
		}},
		{mBidi.typ, mBidi.method, "OK", func(c pb.GreeterClient) error {
			bs, err := c.SayHelloBidiStream(context.Background())
			if err != nil {
				return err
			}
			for range 2 {
				if err := bs.Send(&pb.HelloRequest{Name: "ok"}); err != nil {
					return err
				}
				if _, err := bs.Recv(); err != nil {
					return err
				}
			}
			if err := bs.CloseSend(); err != nil {
				return err
			}
			if _, err := bs.Recv(); err != io.EOF {
				return fmt.Errorf("bidi end: %v, want io.EOF", err)
			}
			return nil
		}},
	}
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			r := newRig(t, fe)
			e := r.start(t, nil, nil)
			var wrong atomic.Int64
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range calls {
						k := kinds[(g+i)%len(kinds)]
						if got := status.Code(k.call(e.client)).String(); got != k.code {
							wrong.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			if w := wrong.Load(); w != 0 {
				t.Fatalf("%d calls did not end as expected", w)
			}
			want := map[string]map[string]float64{}
			for g := range goroutines {
				for i := range calls {
					k := kinds[(g+i)%len(kinds)]
					if want[k.method] == nil {
						want[k.method] = map[string]float64{}
					}
					want[k.method][k.code]++
				}
			}
			ts := settled(t, r.reg)
			for _, m := range methods {
				for _, side := range []string{"server", "client"} {
					assertCodes(t, ts, side, m.typ, m.method, want[m.method])
				}
			}
		})
	}
}

// codeErr turns a code back into an error for status.Code.
func codeErr(c codes.Code) error {
	if c == codes.OK {
		return nil
	}
	return status.Error(c, c.String())
}
