package grpcprom_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

func TestNamespaceSubsystemConstLabelsBuckets(t *testing.T) {
	common := []grpcprom.Option{
		grpcprom.WithNamespace("acme"),
		grpcprom.WithSubsystem("api"),
		grpcprom.WithConstLabels(prometheus.Labels{"env": "test"}),
	}
	buckets := grpcprom.WithHistogramBuckets([]float64{0.01, 0.1, 1})
	sm := grpcprom.NewServerMetrics(common[0], common[1], common[2], grpcprom.WithServerHandlingTimeHistogram(buckets))
	cm := grpcprom.NewClientMetrics(common[0], common[1], common[2],
		grpcprom.WithClientHandlingTimeHistogram(buckets),
		grpcprom.WithClientStreamRecvHistogram(grpcprom.WithHistogramBuckets([]float64{1, 2})),
		grpcprom.WithClientStreamSendHistogram(grpcprom.WithHistogramBuckets([]float64{3, 4})))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	e := startEnv(t, sm.ServerOptions(), cm.DialOptions())
	driveAllTypes(t, e.client)

	want := map[string]float64{}
	for _, p := range perType {
		for _, side := range []string{"server", "client"} {
			prefix := "acme_api_grpc_" + side
			want[key(prefix+"_started_total", p.typ, p.method, "env=test")] = 1
			want[key(prefix+"_handled_total", p.typ, p.method, "env=test", "grpc_code=OK")] = 1
			want[key(prefix+"_handling_seconds_count", p.typ, p.method, "env=test")] = 1
		}
		want[key("acme_api_grpc_server_msg_received_total", p.typ, p.method, "env=test")] = p.requests
		want[key("acme_api_grpc_server_msg_sent_total", p.typ, p.method, "env=test")] = p.replies
		want[key("acme_api_grpc_client_msg_sent_total", p.typ, p.method, "env=test")] = p.requests
		want[key("acme_api_grpc_client_msg_received_total", p.typ, p.method, "env=test")] = p.replies
		if p.typ != "unary" {
			want[key("acme_api_grpc_client_msg_recv_handling_seconds_count", p.typ, p.method, "env=test")] = p.recvs
			want[key("acme_api_grpc_client_msg_send_handling_seconds_count", p.typ, p.method, "env=test")] = p.sends
		}
	}
	got := snapshot(t, reg)
	assertSeries(t, filter(got, "acme_api_"), want)
	if len(filter(got, "grpc_")) != 0 {
		t.Errorf("series without the namespace: %v", filter(got, "grpc_"))
	}
	assertBuckets(t, reg, "acme_api_grpc_server_handling_seconds", []float64{0.01, 0.1, 1})
	assertBuckets(t, reg, "acme_api_grpc_client_handling_seconds", []float64{0.01, 0.1, 1})
	assertBuckets(t, reg, "acme_api_grpc_client_msg_recv_handling_seconds", []float64{1, 2})
	assertBuckets(t, reg, "acme_api_grpc_client_msg_send_handling_seconds", []float64{3, 4})
}

func TestDefaultBuckets(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithMessageSizeHistogram())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	e := startEnv(t, nil, nil)
	_ = e
	sm.InitializeMetrics(e.srv)
	assertBuckets(t, reg, "grpc_server_handling_seconds", prometheus.DefBuckets)
	assertBuckets(t, reg, "grpc_server_msg_received_size_bytes",
		[]float64{64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864})
}

// mustPanic runs f and checks that it panics with a message containing
// every part.
func mustPanic(t *testing.T, f func(), parts ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		p := recover()
		if p == nil {
			t.Fatalf("no panic, want one mentioning %q", parts)
		}
		msg, _ := p.(string)
		for _, part := range parts {
			if !strings.Contains(msg, part) {
				t.Fatalf("panic %q does not mention %q", msg, part)
			}
		}
	}()
	f()
}

func TestConfigurationErrors(t *testing.T) {
	mustPanic(t, func() { grpcprom.NewServerMetrics(grpcprom.WithMethodLimit(0)) }, "grpcprom: NewServerMetrics: WithMethodLimit: the limit must be at least 1, not 0")
	mustPanic(t, func() { grpcprom.NewClientMetrics(grpcprom.WithMethodLimit(-3)) }, "grpcprom: NewClientMetrics: WithMethodLimit: the limit must be at least 1, not -3")
	mustPanic(t, func() {
		grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets([]float64{0.05, 0.5, 0.1})))
	}, "grpcprom: NewServerMetrics: WithServerHandlingTimeHistogram: bucket 2 (0.1) is not greater than bucket 1 (0.5)")
	mustPanic(t, func() {
		grpcprom.NewClientMetrics(grpcprom.WithConstLabels(prometheus.Labels{"bad-name": "x"}))
	}, "WithConstLabels", `"bad-name"`)
	mustPanic(t, func() {
		grpcprom.NewServerMetrics(grpcprom.WithConstLabels(prometheus.Labels{"grpc_code": "x"}))
	}, "WithConstLabels", "grpc_code")
}

// TestConstLabelSideWithExemplars: the exemplar-drop counters are named per
// side, so a const label called "side" cannot make the server's and the
// client's collide in one registry.
func TestConstLabelSideWithExemplars(t *testing.T) {
	ex := func(context.Context) prometheus.Labels { return prometheus.Labels{"trace_id": "abc"} }
	sm := grpcprom.NewServerMetrics(grpcprom.WithConstLabels(prometheus.Labels{"side": "edge"}), grpcprom.WithExemplarFromContext(ex))
	cm := grpcprom.NewClientMetrics(grpcprom.WithConstLabels(prometheus.Labels{"side": "edge"}), grpcprom.WithExemplarFromContext(ex))
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(sm); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(cm); err != nil {
		t.Fatalf("client collector clashes with the server's: %v", err)
	}
	got := snapshot(t, reg)
	for _, k := range []string{`grpcprom_server_exemplars_dropped_total{side="edge"}`, `grpcprom_client_exemplars_dropped_total{side="edge"}`} {
		if v, ok := got[k]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v), want 0", k, v, ok)
		}
	}
}

// TestHistogramOptsKeepTableNames: WithHistogramOpts takes buckets and
// native settings only; a name, help or const labels in it are ignored.
func TestHistogramOptsKeepTableNames(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramOpts(prometheus.HistogramOpts{
		Name: "renamed", Namespace: "x", Help: "other", ConstLabels: prometheus.Labels{"grpc_code": "OK"}, Buckets: []float64{1, 2},
	})))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	e := startEnv(t, sm.ServerOptions(), nil)
	if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatal(err)
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_server_handling"), map[string]float64{
		key("grpc_server_handling_seconds_count", "unary", "SayHello"): 1,
	})
	assertBuckets(t, reg, "grpc_server_handling_seconds", []float64{1, 2})
}
