package grpc_prometheus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"

	"github.com/seed-db7adb15/grpcprom/internal/testkit"
)

// The shared fixtures of internal/testkit, under the names these tests use.
var (
	snapshot     = testkit.Snapshot
	key          = testkit.Key
	assertSeries = testkit.AssertContains
	eventually   = testkit.Eventually
)

// greeter is the test service; the request name selects the behaviour:
// "ok" answers, "fail" fails with FailedPrecondition, "canceled" and
// "deadline" return the context errors, "panic" panics, and a number N on
// SayHelloUnaryStream sends N replies.
type greeter struct {
	pb.UnimplementedGreeterServer
}

func behave(name string) error {
	switch name {
	case "fail":
		return status.Error(codes.FailedPrecondition, "failing on purpose")
	case "canceled":
		return context.Canceled
	case "deadline":
		return fmt.Errorf("backend: %w", context.DeadlineExceeded)
	case "plain":
		return errors.New("plain failure")
	case "panic":
		panic("handler panic")
	}
	return nil
}

func (greeter) SayHello(_ context.Context, in *pb.HelloRequest) (*pb.HelloReply, error) {
	if err := behave(in.GetName()); err != nil {
		return nil, err
	}
	return &pb.HelloReply{Message: "hello " + in.GetName()}, nil
}

func (greeter) SayHelloUnaryStream(in *pb.HelloRequest, s grpc.ServerStreamingServer[pb.HelloReply]) error {
	n, err := strconv.Atoi(in.GetName())
	if err != nil {
		return behave(in.GetName())
	}
	for i := range n {
		if err := s.Send(&pb.HelloReply{Message: strconv.Itoa(i)}); err != nil {
			return err
		}
	}
	return nil
}

func (greeter) SayHelloStreamUnary(s grpc.ClientStreamingServer[pb.HelloRequest, pb.HelloReply]) error {
	count := 0
	for {
		in, err := s.Recv()
		if err == io.EOF {
			return s.SendAndClose(&pb.HelloReply{Message: strconv.Itoa(count)})
		}
		if err != nil {
			return err
		}
		count++
		if err := behave(in.GetName()); err != nil {
			return err
		}
	}
}

func (greeter) SayHelloBidiStream(s grpc.BidiStreamingServer[pb.HelloRequest, pb.HelloReply]) error {
	for {
		in, err := s.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := behave(in.GetName()); err != nil {
			return err
		}
		if err := s.Send(&pb.HelloReply{Message: in.GetName()}); err != nil {
			return err
		}
	}
}

// env is a real server and client on loopback, stopped at cleanup.
type env struct {
	srv    *grpc.Server
	conn   *grpc.ClientConn
	client pb.GreeterClient
}

// startEnv starts the greeter with serverOpts; init runs after the
// service is registered and before serving (for InitializeMetrics).
func startEnv(t testing.TB, serverOpts []grpc.ServerOption, dialOpts []grpc.DialOption, init func(*grpc.Server)) *env {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer(serverOpts...)
	pb.RegisterGreeterServer(srv, greeter{})
	if init != nil {
		init(srv)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	dialOpts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, dialOpts...)
	conn, err := grpc.NewClient(lis.Addr().String(), dialOpts...)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &env{srv: srv, conn: conn, client: pb.NewGreeterClient(conn)}
}

// serverEnv installs m's interceptors on the server.
func serverEnv(t testing.TB, m *ServerMetrics, init func(*grpc.Server)) *env {
	return startEnv(t, []grpc.ServerOption{
		grpc.UnaryInterceptor(m.UnaryServerInterceptor()),
		grpc.StreamInterceptor(m.StreamServerInterceptor()),
	}, nil, init)
}

// clientEnv installs m's interceptors on the client.
func clientEnv(t testing.TB, m *ClientMetrics) *env {
	return startEnv(t, nil, []grpc.DialOption{
		grpc.WithUnaryInterceptor(m.UnaryClientInterceptor()),
		grpc.WithStreamInterceptor(m.StreamClientInterceptor()),
	}, nil)
}

// pedantic returns a pedantic registry with cs registered.
func pedantic(t testing.TB, cs ...prometheus.Collector) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			t.Fatalf("register: %v", err)
		}
	}
	return reg
}

// family returns the family name of g, failing if it is missing.
func family(t testing.TB, g prometheus.Gatherer, name string) *dto.MetricFamily {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf
		}
	}
	t.Fatalf("no family %s", name)
	return nil
}

// countPrefix counts the keys of snap that start with prefix.
func countPrefix(snap map[string]float64, prefix string) int {
	n := 0
	for k := range snap {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

// delta returns after minus before for every key of after.
func delta(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}
