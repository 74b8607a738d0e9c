package prometheus_test

import (
	"context"
	"io"
	"net"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
	"github.com/seed-db7adb15/grpcprom/internal/testkit"
)

// The shared fixtures of internal/testkit, under the names these tests use.
var (
	snapshot     = testkit.Snapshot
	labelString  = testkit.LabelString
	key          = testkit.Key
	assertSeries = testkit.AssertSeries
)

// TestMain fails the run when goroutines outlive the tests.
func TestMain(m *testing.M) { testkit.Main(m) }

// greeter is the test service. The request name selects the behaviour:
// "panic" panics, "fail" fails with FailedPrecondition, digits make
// SayHelloUnaryStream send that many replies; anything else is answered.
type greeter struct {
	pb.UnimplementedGreeterServer
}

func behave(name string) error {
	switch name {
	case "panic":
		panic("handler panic")
	case "fail":
		return status.Error(codes.FailedPrecondition, "failing on purpose")
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
	for i := 0; i < n; i++ {
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
		if err := behave(in.GetName()); err != nil {
			return err
		}
		count++
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

// serve starts srv, with the greeter registered unless it already has
// services, on an in-memory listener and returns a connection to it; both
// are stopped when the test ends.
func serve(t testing.TB, srv *grpc.Server, dialOpts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	if len(srv.GetServiceInfo()) == 0 {
		pb.RegisterGreeterServer(srv, greeter{})
	}
	lis := bufconn.Listen(1 << 20)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	dialOpts = append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
	}, dialOpts...)
	conn, err := grpc.NewClient("passthrough:///bufnet", dialOpts...)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// metric returns the series of the metric name whose labels are
// labelString'ed to labels, or fails.
func metric(t testing.TB, g prometheus.Gatherer, name, labels string) *dto.Metric {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if labelString(m.GetLabel()) == labels {
				return m
			}
		}
	}
	t.Fatalf("no series %s%s", name, labels)
	return nil
}

// codes17 are the values of grpc_code, in code order.
var codes17 = []string{"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
	"AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
	"OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"}
