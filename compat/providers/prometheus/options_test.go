package prometheus_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	grpcprom "github.com/seed-db7adb15/grpcprom/compat/providers/prometheus"
)

// families gathers g and returns its metric families by name.
func families(t *testing.T, g prometheus.Gatherer) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// TestCounterAndHistogramOptionsApart: counter options name and label the
// counters only; a histogram has its own namespace, subsystem and const
// labels, as the provider's have. WithServerCounterOptions replaces an
// earlier one, and a custom CounterOption cannot rename a counter.
func TestCounterAndHistogramOptionsApart(t *testing.T) {
	rename := func(o *prometheus.CounterOpts) { o.Name, o.Help = "renamed", "renamed" }
	sm := grpcprom.NewServerMetrics(
		grpcprom.WithServerCounterOptions(grpcprom.WithNamespace("dropped")),
		grpcprom.WithServerCounterOptions(
			grpcprom.WithNamespace("ns"), grpcprom.WithSubsystem("sub"),
			grpcprom.WithConstLabels(prometheus.Labels{"env": "prod"}), rename),
		grpcprom.WithServerHandlingTimeHistogram(
			grpcprom.WithHistogramNamespace("hns"), grpcprom.WithHistogramSubsystem("hsub"),
			grpcprom.WithHistogramConstLabels(prometheus.Labels{"env": "histo"}),
			grpcprom.WithHistogramBuckets([]float64{0.5, 1})),
	)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	callUnary(t, sm.UnaryServerInterceptor(), context.Background(), nil)
	got := snapshot(t, reg)
	const labels = `{env="prod",grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary"}`
	assertSeries(t, got, map[string]float64{
		"ns_sub_grpc_server_started_total" + labels:      1,
		"ns_sub_grpc_server_msg_received_total" + labels: 1,
		"ns_sub_grpc_server_msg_sent_total" + labels:     1,
		`ns_sub_grpc_server_handled_total{env="prod",grpc_code="OK",grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary"}`: 1,
		`hns_hsub_grpc_server_handling_seconds_count{env="histo",grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary"}`:    1,
	})
	h := families(t, reg)["hns_hsub_grpc_server_handling_seconds"].GetMetric()[0].GetHistogram()
	if b := h.GetBucket(); len(b) != 2 || b[0].GetUpperBound() != 0.5 || b[1].GetUpperBound() != 1 {
		t.Errorf("buckets %v, want [0.5 1]", b)
	}
}

// TestHistogramWithoutCounterNamespace: a histogram without options of its
// own keeps its bare name when the counters have a namespace. (The
// core describes, but without a stats handler never collects,
// grpcprom_client_ok_without_response_total.)
func TestHistogramWithoutCounterNamespace(t *testing.T) {
	cm := grpcprom.NewClientMetrics(
		grpcprom.WithClientCounterOptions(grpcprom.WithNamespace("ns")),
		grpcprom.WithClientHandlingTimeHistogram(),
		grpcprom.WithClientStreamRecvHistogram(grpcprom.WithHistogramSubsystem("r")),
		grpcprom.WithClientStreamSendHistogram(grpcprom.WithHistogramNamespace("s")),
	)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(cm)
	descs := make(chan *prometheus.Desc, 32)
	cm.Describe(descs)
	close(descs)
	var names []string
	for d := range descs {
		s := d.String()
		_, rest, _ := strings.Cut(s, `fqName: "`)
		name, _, _ := strings.Cut(rest, `"`)
		names = append(names, name)
	}
	want := "[ns_grpc_client_started_total ns_grpc_client_handled_total ns_grpc_client_msg_received_total ns_grpc_client_msg_sent_total grpc_client_handling_seconds r_grpc_client_msg_recv_handling_seconds s_grpc_client_msg_send_handling_seconds ns_grpcprom_client_ok_without_response_total ns_grpcprom_client_exemplars_dropped_total]"
	if fmt.Sprint(names) != want {
		t.Errorf("described %v\nwant      %s", names, want)
	}
}

// TestHistogramOpts: WithHistogramOpts takes buckets and native settings
// and nothing else; nil changes nothing.
func TestHistogramOpts(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(
		grpcprom.WithHistogramOpts(nil),
		grpcprom.WithHistogramOpts(&prometheus.HistogramOpts{
			Name: "renamed", Namespace: "ignored", ConstLabels: prometheus.Labels{"ignored": "x"},
			NativeHistogramBucketFactor: 1.1,
		}),
	))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	callUnary(t, sm.UnaryServerInterceptor(), context.Background(), nil)
	mf := families(t, reg)["grpc_server_handling_seconds"]
	if mf == nil {
		t.Fatal("grpc_server_handling_seconds missing or renamed")
	}
	h := mf.GetMetric()[0].GetHistogram()
	if h.GetSchema() == 0 && len(h.GetPositiveSpan()) == 0 && h.GetZeroCount() == 0 {
		t.Errorf("histogram is not native: %v", h)
	}
	if len(h.GetBucket()) != 0 {
		t.Errorf("native-only histogram has %d classic buckets", len(h.GetBucket()))
	}
	if n := len(mf.GetMetric()[0].GetLabel()); n != 3 {
		t.Errorf("histogram has %d labels, want 3", n)
	}
}

// TestOptionMistakesPanicInConstructor: mistakes panic once, naming the
// option.
func TestOptionMistakesPanicInConstructor(t *testing.T) {
	for _, c := range []struct {
		name string
		make func()
		want string
	}{
		{"buckets", func() {
			grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets([]float64{1, 0.5})))
		}, "grpcprom: NewServerMetrics: WithServerHandlingTimeHistogram: bucket 1 (0.5) is not greater than bucket 0 (1)"},
		{"client buckets", func() {
			grpcprom.NewClientMetrics(grpcprom.WithClientStreamSendHistogram(grpcprom.WithHistogramBuckets([]float64{1, 1})))
		}, "grpcprom: NewClientMetrics: WithClientStreamSendHistogram: bucket 1 (1) is not greater than bucket 0 (1)"},
		{"const label", func() {
			grpcprom.NewServerMetrics(grpcprom.WithServerCounterOptions(grpcprom.WithConstLabels(prometheus.Labels{"grpc_code": "x"})))
		}, `grpcprom: NewServerMetrics: WithConstLabels: label "grpc_code" is set by grpcprom itself`},
		{"histogram const label", func() {
			grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(grpcprom.WithHistogramConstLabels(prometheus.Labels{"grpc_type": "x"})))
		}, `grpcprom: NewClientMetrics: WithClientHandlingTimeHistogram: label "grpc_type" is set by grpcprom itself`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := panicOf(c.make); got != c.want {
				t.Errorf("panic %q\nwant  %q", got, c.want)
			}
		})
	}
}

// TestNilOptionsIgnored: nil options of every kind are skipped.
func TestNilOptionsIgnored(t *testing.T) {
	sm := grpcprom.NewServerMetrics(nil, grpcprom.WithServerCounterOptions(nil), grpcprom.WithServerHandlingTimeHistogram(nil))
	cm := grpcprom.NewClientMetrics(nil, grpcprom.WithClientCounterOptions(nil))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	callUnary(t, sm.UnaryServerInterceptor(nil), context.Background(), nil)
	if got := snapshot(t, reg)[key("grpc_server_handling_seconds_count", "unary", "SayHello")]; got != 1 {
		t.Errorf("handling count %v, want 1", got)
	}
}
