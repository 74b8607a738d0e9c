package scenarios

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
)

// StatsScenario is one end-to-end stats handler benchmark, run once per
// [StatsImpl].
type StatsScenario struct {
	Name string
	Run  func(b *testing.B, impl StatsImpl)
}

// StatsAll lists the end-to-end stats handler scenarios.
var StatsAll = []StatsScenario{
	{"StatsUnary", StatsUnary},
	{"StatsStreamMsg", StatsStreamMsg},
}

// SayHelloBidiStream answers each request with a reply until the client
// closes its side.
func (greeter) SayHelloBidiStream(s grpc.BidiStreamingServer[helloworld.HelloRequest, helloworld.HelloReply]) error {
	for {
		in, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.Send(&helloworld.HelloReply{Message: "Hello " + in.GetName()}); err != nil {
			return err
		}
	}
}

// rig is a real server and a connection to it over bufconn, each side
// instrumented by one implementation on its own registry.
type rig struct {
	client     helloworld.GreeterClient
	sreg, creg *prometheus.Registry
	impl       StatsImpl
	stop       func()
}

func newRig(impl StatsImpl) (*rig, error) {
	r := &rig{sreg: prometheus.NewRegistry(), creg: prometheus.NewRegistry(), impl: impl}
	sopts, err := impl.Server(r.sreg)
	if err != nil {
		return nil, err
	}
	copts, err := impl.Client(r.creg)
	if err != nil {
		return nil, err
	}
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(sopts...)
	helloworld.RegisterGreeterServer(srv, greeter{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	copts = append([]grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return lis.DialContext(ctx)
		}),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, copts...)
	conn, err := grpc.NewClient("passthrough:///bufconn", copts...)
	if err != nil {
		srv.Stop()
		<-done
		return nil, fmt.Errorf("connecting over bufconn: %w", err)
	}
	r.client = helloworld.NewGreeterClient(conn)
	r.stop = func() {
		_ = conn.Close()
		srv.Stop()
		<-done
	}
	return r, nil
}

// expect waits until both sides have recorded calls ended calls of
// fullMethod and received, in all, the payload bytes given; gRPC reports a
// server call's end after the client may have seen it. It returns an error
// naming what differs after a few seconds.
func (r *rig) expect(fullMethod string, calls, serverRecv, clientRecv float64) error {
	if r.impl.Recorded == nil {
		return nil
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var msg string
		for _, side := range []struct {
			client bool
			reg    *prometheus.Registry
			recv   float64
		}{{false, r.sreg, serverRecv}, {true, r.creg, clientRecv}} {
			fs, err := side.reg.Gather()
			if err != nil {
				return fmt.Errorf("gathering: %w", err)
			}
			gotCalls, gotRecv := r.impl.Recorded(fs, side.client, fullMethod)
			if gotCalls != calls || gotRecv != side.recv {
				msg += fmt.Sprintf("%s: %v calls and %v bytes received, want %v and %v; ",
					sideName(side.client), gotCalls, gotRecv, calls, side.recv)
			}
		}
		if msg == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s recorded for %s: %s", r.impl.Name, fullMethod, msg)
		}
		time.Sleep(time.Millisecond)
	}
}

// StatsUnary makes SayHello calls over bufconn to a real server, both sides
// instrumented by impl: 1 op = 1 RPC. It fails unless both sides record
// every call.
func StatsUnary(b *testing.B, impl StatsImpl) {
	r, err := newRig(impl)
	if err != nil {
		b.Fatal(err)
	}
	defer r.stop()
	ctx := context.Background()
	req := &helloworld.HelloRequest{Name: "world"}
	var reply *helloworld.HelloReply
	// Connect before timing.
	if reply, err = r.client.SayHello(ctx, req); err != nil {
		b.Fatal(err)
	}
	n := 1
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.client.SayHello(ctx, req); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.StopTimer()
	if err := r.expect(UnaryMethod, float64(n), float64(n*proto.Size(req)), float64(n*proto.Size(reply))); err != nil {
		b.Fatal(err)
	}
}

// StatsStreamMsg opens one bidi stream over bufconn to a real server, both
// sides instrumented by impl, and makes round trips on it: 1 op = 1 Send
// and 1 Recv by the client, and 1 Recv and 1 Send by the server. It fails
// unless both sides record the stream and every message once it ends.
func StatsStreamMsg(b *testing.B, impl StatsImpl) {
	r, err := newRig(impl)
	if err != nil {
		b.Fatal(err)
	}
	defer r.stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := r.client.SayHelloBidiStream(ctx)
	if err != nil {
		b.Fatal(err)
	}
	req := &helloworld.HelloRequest{Name: "world"}
	reply := new(helloworld.HelloReply)
	roundTrip := func() {
		if err := s.Send(req); err != nil {
			b.Fatal(err)
		}
		if err := s.RecvMsg(reply); err != nil {
			b.Fatal(err)
		}
	}
	roundTrip() // open the stream before timing
	n := 1
	b.ReportAllocs()
	for b.Loop() {
		roundTrip()
		n++
	}
	b.StopTimer()
	if err := s.CloseSend(); err != nil {
		b.Fatal(err)
	}
	if err := s.RecvMsg(reply); !errors.Is(err, io.EOF) {
		b.Fatalf("Recv at the end of the stream: %v, want io.EOF", err)
	}
	if err := r.expect(StreamMethod, 1, float64(n*proto.Size(req)), float64(n*proto.Size(reply))); err != nil {
		b.Fatal(err)
	}
}
