package grpcprom_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// flakyGreeter fails the first `fails` attempts of each unary request
// name with Unavailable; "down" always fails.
type flakyGreeter struct {
	greeter
	fails    int64
	mu       sync.Mutex
	attempts map[string]int64
}

func (g *flakyGreeter) SayHello(ctx context.Context, in *pb.HelloRequest) (*pb.HelloReply, error) {
	g.mu.Lock()
	g.attempts[in.GetName()]++
	n := g.attempts[in.GetName()]
	g.mu.Unlock()
	if in.GetName() == "down" || n <= g.fails {
		return nil, status.Error(codes.Unavailable, "not yet")
	}
	return &pb.HelloReply{}, nil
}

const retryConfig = `{"methodConfig": [{
	"name": [{"service": "helloworld.Greeter"}],
	"retryPolicy": {
		"maxAttempts": 4,
		"initialBackoff": "0.001s",
		"maxBackoff": "0.001s",
		"backoffMultiplier": 1,
		"retryableStatusCodes": ["UNAVAILABLE"]
	}
}]}`

// TestFaultRetries: a retry policy makes gRPC try again. The
// interceptors see each call once; the stats handler sees each attempt.
// One call succeeds on its third attempt, one fails all four.
func TestFaultRetries(t *testing.T) {
	want := map[string]map[string]float64{
		"interceptors": {"OK": 1, "Unavailable": 1},
		"stats":        {"OK": 1, "Unavailable": 2 + 4},
	}
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			r := newRig(t, fe)
			g := &flakyGreeter{fails: 2, attempts: map[string]int64{}}
			e := r.start(t, g, nil, grpc.WithDefaultServiceConfig(retryConfig))
			if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "flaky"}); err != nil {
				t.Fatalf("flaky call: %v, want success on the third attempt", err)
			}
			if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "down"}); status.Code(err) != codes.Unavailable {
				t.Fatalf("down call: %v, want Unavailable", err)
			}
			ts := settled(t, r.reg)
			assertCodes(t, ts, "server", mUnary.typ, mUnary.method, map[string]float64{"OK": 1, "Unavailable": 2 + 4})
			assertCodes(t, ts, "client", mUnary.typ, mUnary.method, want[fe.name])
		})
	}
}

// TestFaultMaxConcurrentStreams: with one stream allowed and held, 20
// callers wait in the client's queue until their deadlines pass. The
// server never sees them.
func TestFaultMaxConcurrentStreams(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			r := newRig(t, fe)
			e := r.start(t, nil, []grpc.ServerOption{grpc.MaxConcurrentStreams(1)})
			ctx := context.Background()
			// One call first, so that the client knows the limit.
			if _, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "ok"}); err != nil {
				t.Fatalf("SayHello: %v", err)
			}
			holdCtx, release := context.WithCancel(ctx)
			held := make(chan error, 1)
			go func() {
				_, err := e.client.SayHello(holdCtx, &pb.HelloRequest{Name: "block"})
				held <- err
			}()
			eventually(t, "the stream to be held", func() bool {
				tl := tallies(t, r.reg)[greeterKey("server", mUnary.typ, mUnary.method)]
				return tl != nil && tl.inFlight == 1
			})
			var wg sync.WaitGroup
			var wrong atomic.Int32
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
					defer cancel()
					if _, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "ok"}); status.Code(err) != codes.DeadlineExceeded {
						wrong.Add(1)
					}
				}()
			}
			wg.Wait()
			if n := wrong.Load(); n != 0 {
				t.Errorf("%d queued callers did not get DeadlineExceeded", n)
			}
			release()
			if err := <-held; status.Code(err) != codes.Canceled {
				t.Errorf("held call: %v, want Canceled", err)
			}
			ts := settled(t, r.reg)
			assertCodes(t, ts, "client", mUnary.typ, mUnary.method, map[string]float64{"OK": 1, "Canceled": 1, "DeadlineExceeded": 20})
			assertCodes(t, ts, "server", mUnary.typ, mUnary.method, map[string]float64{"OK": 1, "Canceled": 1})
		})
	}
}

// TestFaultDoneContext: calls made with a context that is already
// cancelled or past its deadline. gRPC fails them before an attempt
// begins, so the stats handler, which sees attempts, records nothing; the
// interceptors record each call. The server sees none.
func TestFaultDoneContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			r := newRig(t, fe)
			e := r.start(t, nil, nil)
			for _, c := range []struct {
				ctx  context.Context
				code codes.Code
			}{{cancelled, codes.Canceled}, {expired, codes.DeadlineExceeded}} {
				var got [4]codes.Code
				_, err := e.client.SayHello(c.ctx, &pb.HelloRequest{Name: "ok"})
				got[0] = status.Code(err)
				_, err = e.client.SayHelloUnaryStream(c.ctx, &pb.HelloRequest{Name: "1"})
				got[1] = status.Code(err)
				_, err = e.client.SayHelloStreamUnary(c.ctx)
				got[2] = status.Code(err)
				_, err = e.client.SayHelloBidiStream(c.ctx)
				got[3] = status.Code(err)
				assertCallers(t, got, c.code)
			}
			ts := settled(t, r.reg)
			for _, m := range methods {
				want := map[string]float64{"Canceled": 1, "DeadlineExceeded": 1}
				if fe.name == "stats" {
					want = map[string]float64{}
				}
				assertCodes(t, ts, "client", m.typ, m.method, want)
				assertCodes(t, ts, "server", m.typ, m.method, map[string]float64{})
			}
		})
	}
}

// TestFaultPanicRecovered: a handler of every type panics; a recovery
// interceptor outside grpcprom's turns the panic into Internal. Each RPC
// is recorded Internal once on each side.
func TestFaultPanicRecovered(t *testing.T) {
	recovery := []grpc.ServerOption{grpc.ChainUnaryInterceptor(recoverUnary), grpc.ChainStreamInterceptor(recoverStream)}
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			r := newRig(t, fe)
			e := r.start(t, nil, recovery)
			ctx := context.Background()
			var got [4]codes.Code
			_, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "panic"})
			got[0] = status.Code(err)
			ss, err := e.client.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: "panic"})
			if err != nil {
				t.Fatalf("server stream: %v", err)
			}
			got[1] = recvToEnd(ss)
			cs, err := e.client.SayHelloStreamUnary(ctx)
			if err != nil {
				t.Fatalf("client stream: %v", err)
			}
			if err := cs.Send(&pb.HelloRequest{Name: "panic"}); err != nil {
				t.Fatalf("client stream Send: %v", err)
			}
			_, err = cs.CloseAndRecv()
			got[2] = status.Code(err)
			bs, err := e.client.SayHelloBidiStream(ctx)
			if err != nil {
				t.Fatalf("bidi: %v", err)
			}
			if err := bs.Send(&pb.HelloRequest{Name: "panic"}); err != nil {
				t.Fatalf("bidi Send: %v", err)
			}
			got[3] = recvToEnd(bs)
			assertCallers(t, got, codes.Internal)
			ts := settled(t, r.reg)
			eachCode(t, ts, "server", codes.Internal, 1)
			eachCode(t, ts, "client", codes.Internal, 1)
		})
	}
}
