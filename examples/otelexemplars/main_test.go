package main

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

func TestTraceExemplar(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:  trace.SpanID{0, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
	})
	if got := TraceExemplar(context.Background()); got != nil {
		t.Errorf("no span: got %v, want nil", got)
	}
	if got := TraceExemplar(trace.ContextWithSpanContext(context.Background(), sc)); got != nil {
		t.Errorf("unsampled span: got %v, want nil", got)
	}
	sampled := sc.WithTraceFlags(trace.FlagsSampled)
	got := TraceExemplar(trace.ContextWithSpanContext(context.Background(), sampled))
	if len(got) != 1 || got["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("sampled span: got %v, want {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"}", got)
	}
}

// installs are the ways of installing grpcprom next to otelgrpc on a server.
var installs = []struct {
	name string
	opts func(*grpcprom.ServerMetrics, trace.TracerProvider) []grpc.ServerOption
}{
	{"interceptors", func(sm *grpcprom.ServerMetrics, tp trace.TracerProvider) []grpc.ServerOption {
		return serverOptions(sm, tp, false)
	}},
	{"stats handler after otelgrpc", func(sm *grpcprom.ServerMetrics, tp trace.TracerProvider) []grpc.ServerOption {
		return serverOptions(sm, tp, true)
	}},
}

func TestExemplars(t *testing.T) {
	for _, in := range installs {
		t.Run(in.name, func(t *testing.T) {
			t.Run("sampled", func(t *testing.T) {
				rec := tracetest.NewSpanRecorder()
				clientTP := sdktrace.NewTracerProvider(
					sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(rec))
				serverTP := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
				reg := callGreeter(t, in.opts, clientTP, serverTP, 3)

				var ids []string
				for _, s := range rec.Ended() {
					if s.SpanKind() == trace.SpanKindClient {
						ids = append(ids, s.SpanContext().TraceID().String())
					}
				}
				if len(ids) != 3 {
					t.Fatalf("recorded %d client spans, want 3", len(ids))
				}
				last := ids[len(ids)-1]
				if ids[0] == last {
					t.Fatalf("calls share trace ID %s; want one trace per call", last)
				}

				ex := handledOK(t, reg).GetCounter().GetExemplar()
				if got := exemplarLabels(ex); len(got) != 1 || got["trace_id"] != last {
					t.Errorf("handled_total exemplar = %v, want {trace_id=%q}", got, last)
				}

				// Each bucket keeps the exemplar of its latest observation:
				// every one must be a call's, and one must be the last call's.
				bucketIDs := histogramExemplarIDs(t, reg)
				if !slices.Contains(bucketIDs, last) {
					t.Errorf("handling_seconds bucket exemplars %v, want one with trace_id=%q", bucketIDs, last)
				}
				for _, id := range bucketIDs {
					if !slices.Contains(ids, id) {
						t.Errorf("handling_seconds bucket exemplar trace_id=%q is no call's (calls: %v)", id, ids)
					}
				}
			})
			t.Run("unsampled", func(t *testing.T) {
				never := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
				reg := callGreeter(t, in.opts, never, never, 1)

				m := handledOK(t, reg)
				if v := m.GetCounter().GetValue(); v != 1 {
					t.Errorf("handled_total = %v, want 1", v)
				}
				if ex := m.GetCounter().GetExemplar(); ex != nil {
					t.Errorf("handled_total exemplar = %v, want none", exemplarLabels(ex))
				}
				if ids := histogramExemplarIDs(t, reg); len(ids) != 0 {
					t.Errorf("handling_seconds bucket exemplars %v, want none", ids)
				}
				// No exemplar is not a rejected one.
				if v := counterValue(t, reg, "grpcprom_server_exemplars_dropped_total"); v != 0 {
					t.Errorf("grpcprom_server_exemplars_dropped_total = %v, want 0", v)
				}
			})
		})
	}
}

// TestRun checks that the program prints exemplars on both families.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"grpc_server_handled_total{", "grpc_server_handling_seconds_bucket{"} {
		found := false
		for line := range strings.Lines(out.String()) {
			if strings.HasPrefix(line, prefix) && strings.Contains(line, ` # {trace_id="`) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s line with a trace_id exemplar in:\n%s", prefix, out.String())
		}
	}
}

// callGreeter serves the Greeter with grpcprom installed by opts, calls
// SayHello n times in turn through a client traced by clientTP, and returns
// a pedantic registry holding the server's metrics.
func callGreeter(t *testing.T, opts func(*grpcprom.ServerMetrics, trace.TracerProvider) []grpc.ServerOption,
	clientTP, serverTP *sdktrace.TracerProvider, n int) *prometheus.Registry {
	t.Helper()
	t.Cleanup(func() {
		_ = clientTP.Shutdown(context.Background())
		_ = serverTP.Shutdown(context.Background())
	})
	sm := newServerMetrics()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(sm); err != nil {
		t.Fatal(err)
	}
	srv, addr, err := serve(opts(sm, serverTP)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	conn, err := dial(addr, clientTP)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := pb.NewGreeterClient(conn)
	for i := range n {
		if _, err := client.SayHello(t.Context(), &pb.HelloRequest{Name: "test"}); err != nil {
			t.Fatal(err)
		}
		// The server records an RPC's end just after the client has its
		// answer; wait for it, so that the calls are recorded in order.
		deadline := time.Now().Add(10 * time.Second)
		for handledCount(t, reg) != float64(i+1) {
			if time.Now().After(deadline) {
				t.Fatalf("the server did not record call %d", i+1)
			}
			time.Sleep(time.Millisecond)
		}
	}
	// The server records an RPC's end after it has sent the response; stop
	// the server to wait for the handlers to return.
	srv.GracefulStop()
	return reg
}

// family gathers reg and returns the family called name.
func family(t *testing.T, reg *prometheus.Registry, name string) *dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf
		}
	}
	t.Fatalf("no metric family %s", name)
	return nil
}

// handledOK returns the server's handled counter of successful SayHello
// calls.
func handledOK(t *testing.T, reg *prometheus.Registry) *dto.Metric {
	t.Helper()
	want := map[string]string{
		"grpc_code": "OK", "grpc_method": "SayHello",
		"grpc_service": "helloworld.Greeter", "grpc_type": "unary",
	}
	for _, m := range family(t, reg, "grpc_server_handled_total").GetMetric() {
		if maps.Equal(labelsOf(m.GetLabel()), want) {
			return m
		}
	}
	t.Fatalf("no grpc_server_handled_total%v", want)
	return nil
}

// histogramExemplarIDs returns the trace IDs of the exemplars on
// grpc_server_handling_seconds's buckets.
func histogramExemplarIDs(t *testing.T, reg *prometheus.Registry) []string {
	t.Helper()
	var ids []string
	for _, m := range family(t, reg, "grpc_server_handling_seconds").GetMetric() {
		for _, b := range m.GetHistogram().GetBucket() {
			if ex := b.GetExemplar(); ex != nil {
				ids = append(ids, exemplarLabels(ex)["trace_id"])
			}
		}
	}
	return ids
}

// counterValue returns the value of the single unlabelled counter called name.
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	ms := family(t, reg, name).GetMetric()
	if len(ms) != 1 {
		t.Fatalf("%s has %d series, want 1", name, len(ms))
	}
	return ms[0].GetCounter().GetValue()
}

func exemplarLabels(ex *dto.Exemplar) map[string]string {
	if ex == nil {
		return nil
	}
	return labelsOf(ex.GetLabel())
}

func labelsOf(pairs []*dto.LabelPair) map[string]string {
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		m[p.GetName()] = p.GetValue()
	}
	return m
}

// handledCount is the number of RPCs the server has recorded as handled.
func handledCount(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "grpc_server_handled_total" {
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}
