package grpcprom_test

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// gatedGreeter is greeter, except that the name "gate" makes the unary
// call and the server stream wait for the gate to open and then succeed.
type gatedGreeter struct {
	greeter
	gate chan struct{}
}

func (g gatedGreeter) SayHello(ctx context.Context, in *pb.HelloRequest) (*pb.HelloReply, error) {
	if in.GetName() == "gate" {
		<-g.gate
	}
	return g.greeter.SayHello(ctx, in)
}

func (g gatedGreeter) SayHelloUnaryStream(in *pb.HelloRequest, s grpc.ServerStreamingServer[pb.HelloReply]) error {
	if in.GetName() != "gate" {
		return g.greeter.SayHelloUnaryStream(in, s)
	}
	if err := s.Send(&pb.HelloReply{}); err != nil {
		return err
	}
	<-g.gate
	return s.Send(&pb.HelloReply{})
}

// eachCode asserts that every Greeter method was handled n times with
// code c on side.
func eachCode(t *testing.T, ts map[rpcKey]*tally, side string, c codes.Code, n float64) {
	t.Helper()
	for _, m := range methods {
		assertCodes(t, ts, side, m.typ, m.method, codeCount(c, n))
	}
}

// assertCallers fails unless every caller got want.
func assertCallers(t *testing.T, got [4]codes.Code, want codes.Code) {
	t.Helper()
	for i, m := range methods {
		if got[i] != want {
			t.Errorf("%s caller got %v, want %v", m.method, got[i], want)
		}
	}
}

// TestFaultStop: Stop with an RPC of every type open and the callers
// reading. The handlers' contexts are cancelled; the callers lose the
// connection.
func TestFaultStop(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			r := newRig(t, fe)
			e := r.start(t, nil, nil)
			o := openAll(t, context.Background(), e.client, r.reg)
			done := make(chan [4]codes.Code)
			go func() { done <- o.finish() }()
			e.srv.Stop()
			assertCallers(t, <-done, codes.Unavailable)
			ts := settled(t, r.reg)
			eachCode(t, ts, "client", codes.Unavailable, 1)
			eachCode(t, ts, "server", codes.Canceled, 1)
		})
	}
}

// TestFaultGracefulStop: GracefulStop waits for open RPCs, which then
// finish OK; a call made after the GOAWAY finds no server.
func TestFaultGracefulStop(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			r := newRig(t, fe)
			g := gatedGreeter{gate: make(chan struct{})}
			e := r.start(t, g, nil)
			ctx := context.Background()
			unary := make(chan error, 1)
			go func() {
				_, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "gate"})
				unary <- err
			}()
			ss, err := e.client.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: "gate"})
			if err != nil {
				t.Fatalf("server stream: %v", err)
			}
			if _, err := ss.Recv(); err != nil {
				t.Fatalf("server stream Recv: %v", err)
			}
			cs, err := e.client.SayHelloStreamUnary(ctx)
			if err != nil {
				t.Fatalf("client stream: %v", err)
			}
			if err := cs.Send(&pb.HelloRequest{Name: "ok"}); err != nil {
				t.Fatalf("client stream Send: %v", err)
			}
			bs, err := e.client.SayHelloBidiStream(ctx)
			if err != nil {
				t.Fatalf("bidi: %v", err)
			}
			if err := bs.Send(&pb.HelloRequest{Name: "ok"}); err != nil {
				t.Fatalf("bidi Send: %v", err)
			}
			if _, err := bs.Recv(); err != nil {
				t.Fatalf("bidi Recv: %v", err)
			}
			eventually(t, "every RPC to be in flight on the server", func() bool {
				ts := tallies(t, r.reg)
				for _, m := range methods {
					if tl := ts[greeterKey("server", m.typ, m.method)]; tl == nil || tl.inFlight != 1 {
						return false
					}
				}
				return true
			})
			stopped := make(chan struct{})
			go func() { e.srv.GracefulStop(); close(stopped) }()
			// Idle or failing, the channel no longer picks the draining
			// transport (while it did, a new stream could still be served).
			eventually(t, "the client to act on the GOAWAY", func() bool {
				s := e.conn.GetState()
				return s == connectivity.Idle || s == connectivity.TransientFailure
			})
			// The listener is closed: the new connection fails.
			if _, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "ok"}); codeOfErr(err) != codes.Unavailable {
				t.Errorf("call after GOAWAY: %v, want Unavailable", err)
			}
			close(g.gate)
			var got [4]codes.Code
			got[0] = codeOfErr(<-unary)
			got[1] = recvToEnd(ss)
			_, err = cs.CloseAndRecv()
			got[2] = codeOfErr(err)
			if err := bs.CloseSend(); err != nil {
				t.Fatalf("CloseSend: %v", err)
			}
			got[3] = recvToEnd(bs)
			assertCallers(t, got, codes.OK)
			<-stopped
			ts := settled(t, r.reg)
			eachCode(t, ts, "server", codes.OK, 1)
			for _, m := range methods[1:] {
				assertCodes(t, ts, "client", m.typ, m.method, codeCount(codes.OK, 1))
			}
			assertCodes(t, ts, "client", mUnary.typ, mUnary.method, map[string]float64{"OK": 1, "Unavailable": 1})
		})
	}
}

// TestFaultConnClose: the caller closes its connection with an RPC of
// every type open and never reads the streams again.
func TestFaultConnClose(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			r := newRig(t, fe)
			e := r.start(t, nil, nil)
			o := openAll(t, context.Background(), e.client, r.reg)
			if err := e.conn.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := <-o.unaryDone; codeOfErr(err) != codes.Canceled {
				t.Errorf("unary caller got %v, want Canceled", err)
			}
			o.unaryDone <- nil // finish is not called; keep the channel balanced
			ts := settled(t, r.reg)
			eachCode(t, ts, "client", codes.Canceled, 1)
			eachCode(t, ts, "server", codes.Canceled, 1)
		})
	}
}

// TestFaultServerRestart: the server stops with a stream open and a new
// one starts on the same address; the client reconnects.
func TestFaultServerRestart(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			r := newRig(t, fe)
			e := r.start(t, nil, nil)
			ctx := context.Background()
			if _, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "ok"}); err != nil {
				t.Fatalf("SayHello: %v", err)
			}
			bs, err := e.client.SayHelloBidiStream(ctx)
			if err != nil {
				t.Fatalf("bidi: %v", err)
			}
			if err := bs.Send(&pb.HelloRequest{Name: "block"}); err != nil {
				t.Fatalf("bidi Send: %v", err)
			}
			if _, err := bs.Recv(); err != nil {
				t.Fatalf("bidi Recv: %v", err)
			}
			e.srv.Stop()
			if code := recvToEnd(bs); code != codes.Unavailable {
				t.Errorf("bidi after stop: %v, want Unavailable", code)
			}
			lis, err := net.Listen("tcp", e.addr)
			if err != nil {
				t.Fatalf("listen again on %s: %v", e.addr, err)
			}
			r.serve(t, lis, nil)
			// Wait for ready: the first attempt may find the old
			// connection's backoff.
			if _, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "ok"}, grpc.WaitForReady(true)); err != nil {
				t.Fatalf("SayHello after restart: %v", err)
			}
			ts := settled(t, r.reg)
			for _, side := range []string{"server", "client"} {
				assertCodes(t, ts, side, mUnary.typ, mUnary.method, codeCount(codes.OK, 2))
			}
			assertCodes(t, ts, "client", mBidi.typ, mBidi.method, codeCount(codes.Unavailable, 1))
			assertCodes(t, ts, "server", mBidi.typ, mBidi.method, codeCount(codes.Canceled, 1))
		})
	}
}
