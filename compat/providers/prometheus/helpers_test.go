package prometheus_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// TestMain fails the run when gRPC goroutines outlive the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := grpcGoroutines(); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// grpcGoroutines waits up to 5 s for gRPC's goroutines to end, and
// returns the stacks of those that did not.
func grpcGoroutines() string {
	var leaked []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		leaked = leaked[:0]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "google.golang.org/grpc") && !strings.Contains(g, "grpcGoroutines") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
	}
	return strings.Join(leaked, "\n\n")
}

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

// snapshot gathers g and flattens it into "name{label="value",...}" keys.
// Histograms contribute name_count; their sums and buckets are left out
// because they depend on timing.
func snapshot(t testing.TB, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := labelString(m.GetLabel())
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[mf.GetName()+labels] = m.GetCounter().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[mf.GetName()+"_count"+labels] = float64(m.GetHistogram().GetSampleCount())
			default:
				t.Fatalf("unexpected metric type %v of %s", mf.GetType(), mf.GetName())
			}
		}
	}
	return out
}

func labelString(pairs []*dto.LabelPair) string {
	var parts []string
	for _, p := range pairs {
		parts = append(parts, fmt.Sprintf("%s=%q", p.GetName(), p.GetValue()))
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

// key builds a snapshot key for a Greeter method: name{grpc_type, the
// Greeter service, method, and any "label=value" pairs in extra}.
func key(name, typ, method string, extra ...string) string {
	parts := []string{
		fmt.Sprintf("grpc_type=%q", typ),
		fmt.Sprintf("grpc_service=%q", "helloworld.Greeter"),
		fmt.Sprintf("grpc_method=%q", method),
	}
	for _, e := range extra {
		k, v, _ := strings.Cut(e, "=")
		parts = append(parts, fmt.Sprintf("%s=%q", k, v))
	}
	sort.Strings(parts)
	return name + "{" + strings.Join(parts, ",") + "}"
}

// assertSeries fails unless got equals want exactly: same keys, same
// values.
func assertSeries(t testing.TB, got, want map[string]float64) {
	t.Helper()
	var diffs []string
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("missing %s (want %g)", k, w))
		case g != w:
			diffs = append(diffs, fmt.Sprintf("%s = %g, want %g", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("unexpected %s = %g", k, g))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Errorf("series differ:\n  %s", strings.Join(diffs, "\n  "))
	}
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
