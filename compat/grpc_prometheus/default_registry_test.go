package grpc_prometheus

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// TestPackageLevelAPI drives the package-level interceptors with every
// histogram enabled through the package-level functions, some twice, and
// checks the default registry: it gathers without a duplicate-collection
// error, each histogram once, with exact deltas.
func TestPackageLevelAPI(t *testing.T) {
	EnableHandlingTimeHistogram()
	EnableHandlingTimeHistogram()
	EnableClientHandlingTimeHistogram()
	EnableClientStreamReceiveTimeHistogram()
	EnableClientStreamSendTimeHistogram()
	EnableClientStreamSendTimeHistogram()
	e := startEnv(t,
		[]grpc.ServerOption{grpc.UnaryInterceptor(UnaryServerInterceptor), grpc.StreamInterceptor(StreamServerInterceptor)},
		[]grpc.DialOption{grpc.WithUnaryInterceptor(UnaryClientInterceptor), grpc.WithStreamInterceptor(StreamClientInterceptor)},
		Register)
	before := snapshot(t, prometheus.DefaultGatherer)
	if n := countPrefix(before, "grpc_server_handled_total{"); n < 4*17 {
		t.Errorf("%d server handled series after Register, want at least 68", n)
	}
	if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatal(err)
	}
	bs, err := e.client.SayHelloBidiStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		if err := bs.Send(&pb.HelloRequest{Name: name}); err != nil {
			t.Fatal(err)
		}
		if _, err := bs.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	if err := bs.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.Recv(); err == nil {
		t.Fatal("bidi stream did not end")
	}

	got := delta(before, snapshot(t, prometheus.DefaultGatherer))
	want := map[string]float64{}
	for _, side := range []string{"server", "client"} {
		want[key("grpc_"+side+"_started_total", "unary", "SayHello")] = 1
		want[key("grpc_"+side+"_handled_total", "unary", "SayHello", "grpc_code=OK")] = 1
		want[key("grpc_"+side+"_msg_received_total", "unary", "SayHello")] = 1
		want[key("grpc_"+side+"_msg_sent_total", "unary", "SayHello")] = 1
		want[key("grpc_"+side+"_handling_seconds_count", "unary", "SayHello")] = 1
		want[key("grpc_"+side+"_started_total", "bidi_stream", "SayHelloBidiStream")] = 1
		want[key("grpc_"+side+"_handled_total", "bidi_stream", "SayHelloBidiStream", "grpc_code=OK")] = 1
		want[key("grpc_"+side+"_msg_received_total", "bidi_stream", "SayHelloBidiStream")] = 2
		want[key("grpc_"+side+"_msg_sent_total", "bidi_stream", "SayHelloBidiStream")] = 2
		want[key("grpc_"+side+"_handling_seconds_count", "bidi_stream", "SayHelloBidiStream")] = 1
	}
	want[key("grpc_client_msg_recv_handling_seconds_count", "bidi_stream", "SayHelloBidiStream")] = 3
	want[key("grpc_client_msg_send_handling_seconds_count", "bidi_stream", "SayHelloBidiStream")] = 2
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s grew by %v, want %v", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok && strings.HasPrefix(k, "grpc_") {
			t.Errorf("unexpected change: %s grew by %v", k, v)
		}
	}

	// /metrics on the default registry: served, and each family once.
	rec := httptest.NewRecorder()
	promhttp.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	for _, fam := range []string{"grpc_server_handling_seconds", "grpc_client_handling_seconds", "grpc_client_msg_recv_handling_seconds", "grpc_client_msg_send_handling_seconds", "grpc_server_handled_total"} {
		if n := strings.Count(rec.Body.String(), "# TYPE "+fam+" "); n != 1 {
			t.Errorf("/metrics has %d TYPE lines of %s, want 1", n, fam)
		}
	}
}

// TestDefaultMetricsRegistration checks v1's registration shape: the
// default metrics' counters are on the default registry already, so
// registering the whole collector there fails, while it registers on a
// registry of one's own with everything enabled.
func TestDefaultMetricsRegistration(t *testing.T) {
	if err := prometheus.Register(DefaultServerMetrics); err == nil {
		prometheus.Unregister(DefaultServerMetrics)
		t.Error("DefaultServerMetrics registered on the default registry twice")
	}
	if err := prometheus.Register(DefaultClientMetrics); err == nil {
		prometheus.Unregister(DefaultClientMetrics)
		t.Error("DefaultClientMetrics registered on the default registry twice")
	}
	EnableHandlingTimeHistogram()
	reg := pedantic(t, DefaultServerMetrics, DefaultClientMetrics)
	if _, err := reg.Gather(); err != nil {
		t.Fatalf("gather: %v", err)
	}
}

// TestWholeCollectorWouldCollectTwice backs the choice in
// default_registry.go: had init registered the whole collector, a
// histogram enabled and registered later would be collected twice and
// the registry's Gather (so /metrics) would fail.
func TestWholeCollectorWouldCollectTwice(t *testing.T) {
	m := NewServerMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	hist := enableHistogram(m.r, core.Handling, "EnableHandlingTimeHistogram", nil)
	if err := reg.Register(hist); err != nil {
		t.Fatalf("registering the histogram: %v", err)
	}
	m.r.InitializeMethod("/helloworld.Greeter/SayHello", core.Unary)
	_, err := reg.Gather()
	if err == nil || !strings.Contains(err.Error(), "collected before with the same name and label values") {
		t.Fatalf("gather: %v, want a duplicate-collection error", err)
	}
}
