package grpcprom_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
	"github.com/seed-db7adb15/grpcprom/internal/testkit"
)

// greeter is the test service. The request name selects the behaviour:
//
//	ok        answer
//	wrapped   a NotFound status wrapped in another error
//	plain     a plain error (Unknown)
//	canceled  context.Canceled; deadline: context.DeadlineExceeded
//	panic     panic
//	block     wait until the RPC's context ends
//	N (digits) on SayHelloUnaryStream: send N replies
//	fail      on streams: send one reply, then fail with FailedPrecondition
type greeter struct {
	pb.UnimplementedGreeterServer
}

func behave(ctx context.Context, name string) error {
	switch name {
	case "wrapped":
		return fmt.Errorf("looking up: %w", status.Error(codes.NotFound, "no such greeting"))
	case "plain":
		return errors.New("plain failure")
	case "canceled":
		return context.Canceled
	case "deadline":
		return fmt.Errorf("backend: %w", context.DeadlineExceeded)
	case "panic":
		panic("handler panic")
	case "block":
		<-ctx.Done()
		return ctx.Err()
	case "fail":
		return status.Error(codes.FailedPrecondition, "failing on purpose")
	}
	return nil
}

func (greeter) SayHello(ctx context.Context, in *pb.HelloRequest) (*pb.HelloReply, error) {
	if err := behave(ctx, in.GetName()); err != nil {
		return nil, err
	}
	return &pb.HelloReply{Message: "hello " + in.GetName()}, nil
}

func (greeter) SayHelloUnaryStream(in *pb.HelloRequest, s grpc.ServerStreamingServer[pb.HelloReply]) error {
	n, err := strconv.Atoi(in.GetName())
	if err != nil {
		n = 1
	}
	for i := 0; i < n; i++ {
		if err := s.Send(&pb.HelloReply{Message: strconv.Itoa(i)}); err != nil {
			return err
		}
	}
	if err != nil {
		return behave(s.Context(), in.GetName())
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
		if err := behave(s.Context(), in.GetName()); err != nil {
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
		if in.GetName() == "fail" {
			return behave(s.Context(), "fail")
		}
		if err := s.Send(&pb.HelloReply{Message: in.GetName()}); err != nil {
			return err
		}
		if err := behave(s.Context(), in.GetName()); err != nil {
			return err
		}
	}
}

// The shared fixtures of internal/testkit, under the names these tests use.
var (
	snapshot     = testkit.Snapshot
	labelString  = testkit.LabelString
	key          = testkit.Key
	assertSeries = testkit.AssertSeries
	eventually   = testkit.Eventually
)

// env is a real server and client on loopback.
type env struct {
	srv    *grpc.Server
	conn   *grpc.ClientConn
	client pb.GreeterClient
	addr   string
}

func startEnv(t testing.TB, serverOpts []grpc.ServerOption, dialOpts []grpc.DialOption) *env {
	t.Helper()
	var srv *grpc.Server
	addr := startServer(t, serverOpts, func(s *grpc.Server) {
		pb.RegisterGreeterServer(s, greeter{})
		srv = s
	})
	conn := dial(t, addr, dialOpts)
	return &env{srv: srv, conn: conn, client: pb.NewGreeterClient(conn), addr: addr}
}

// startServer serves on a loopback port until the test ends and returns
// the address; register adds the services.
func startServer(t testing.TB, opts []grpc.ServerOption, register func(*grpc.Server)) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer(opts...)
	register(srv)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// dial connects to addr without TLS until the test ends.
func dial(t testing.TB, addr string, opts []grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// withLabel adds a "label=value" pair to a snapshot key.
func withLabel(k, pair string) string {
	name, labels, _ := strings.Cut(strings.TrimSuffix(k, "}"), "{")
	l, v, _ := strings.Cut(pair, "=")
	parts := []string{fmt.Sprintf("%s=%q", l, v)}
	if labels != "" {
		parts = append(parts, strings.Split(labels, ",")...)
	}
	sort.Strings(parts)
	return name + "{" + strings.Join(parts, ",") + "}"
}

// filter keeps the keys that start with prefix.
func filter(m map[string]float64, prefix string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

// metricsOf gathers reg and returns the series of the metric called name.
func metricsOf(t testing.TB, reg prometheus.Gatherer, name string) []*dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()
		}
	}
	return nil
}

// value returns one series' value, or -1 if it does not exist.
func value(t testing.TB, reg prometheus.Gatherer, k string) float64 {
	t.Helper()
	if v, ok := snapshot(t, reg)[k]; ok {
		return v
	}
	return -1
}

// frontEnd installs a pair of metrics on a server and a client.
type frontEnd struct {
	name    string
	install func(sm *grpcprom.ServerMetrics, cm *grpcprom.ClientMetrics) ([]grpc.ServerOption, []grpc.DialOption)
}

var frontEnds = []frontEnd{
	{"interceptors", func(sm *grpcprom.ServerMetrics, cm *grpcprom.ClientMetrics) ([]grpc.ServerOption, []grpc.DialOption) {
		return sm.ServerOptions(), cm.DialOptions()
	}},
	{"stats", func(sm *grpcprom.ServerMetrics, cm *grpcprom.ClientMetrics) ([]grpc.ServerOption, []grpc.DialOption) {
		return []grpc.ServerOption{grpc.StatsHandler(sm.StatsHandler())}, []grpc.DialOption{grpc.WithStatsHandler(cm.StatsHandler())}
	}},
}

// fullPair builds metrics with every histogram and the in-flight gauges on,
// installs them with fe, and starts a server and client.
func fullPair(t *testing.T, fe frontEnd, serverOpts ...grpc.ServerOption) (*prometheus.Registry, *env) {
	t.Helper()
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithInFlightGauge(), grpcprom.WithMessageSizeHistogram())
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(), grpcprom.WithClientStreamRecvHistogram(),
		grpcprom.WithClientStreamSendHistogram(), grpcprom.WithInFlightGauge(), grpcprom.WithMessageSizeHistogram())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	so, do := fe.install(sm, cm)
	return reg, startEnv(t, append(so, serverOpts...), do)
}

// mixedTraffic is driveAllTypes plus failures of every kind of stream.
func mixedTraffic(t *testing.T, e *env) {
	t.Helper()
	driveAllTypes(t, e.client)
	ctx := context.Background()
	for _, name := range []string{"wrapped", "plain", "canceled", "deadline"} {
		_, _ = e.client.SayHello(ctx, &pb.HelloRequest{Name: name})
	}
	ss, err := e.client.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: "fail"})
	if err != nil {
		t.Fatalf("server stream: %v", err)
	}
	for err == nil {
		_, err = ss.Recv()
	}
	cs, err := e.client.SayHelloStreamUnary(ctx)
	if err != nil {
		t.Fatalf("client stream: %v", err)
	}
	_ = cs.Send(&pb.HelloRequest{Name: "fail"})
	if _, err := cs.CloseAndRecv(); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("client stream: %v, want FailedPrecondition", err)
	}
}

// settle waits until no RPC is in flight. The stats handler learns that a
// server RPC ended after the client has its answer.
func settle(t *testing.T, reg prometheus.Gatherer) {
	t.Helper()
	eventually(t, "every RPC to end", func() bool {
		for k, v := range snapshot(t, reg) {
			if strings.Contains(k, "_in_flight_rpcs") && v != 0 {
				return false
			}
		}
		return true
	})
}
