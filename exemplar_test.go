package grpcprom_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc/metadata"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// exemplarFromMetadata turns the caller's x-trace header into the
// exemplar, the hostile case: the caller chooses it.
func exemplarFromMetadata(calls *atomic.Int64) func(context.Context) prometheus.Labels {
	return func(ctx context.Context) prometheus.Labels {
		calls.Add(1)
		v := metadata.ValueFromIncomingContext(ctx, "x-trace")
		if len(v) == 0 {
			return nil
		}
		if v[0] == "badname" {
			return prometheus.Labels{"trace-id": "x"}
		}
		return prometheus.Labels{"trace_id": v[0]}
	}
}

// exemplarsOf returns the exemplar label sets of every bucket and counter
// of a metric.
func exemplarsOf(t *testing.T, reg prometheus.Gatherer, name string) []map[string]string {
	t.Helper()
	var out []map[string]string
	add := func(e *dto.Exemplar) {
		if e == nil {
			return
		}
		m := map[string]string{}
		for _, l := range e.GetLabel() {
			m[l.GetName()] = l.GetValue()
		}
		out = append(out, m)
	}
	for _, m := range metricsOf(t, reg, name) {
		add(m.GetCounter().GetExemplar())
		for _, b := range m.GetHistogram().GetBucket() {
			add(b.GetExemplar())
		}
	}
	return out
}

func TestExemplars(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			var calls atomic.Int64
			sm := grpcprom.NewServerMetrics(grpcprom.WithExemplarFromContext(exemplarFromMetadata(&calls)),
				grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithMessageSizeHistogram())
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(sm)
			so, _ := fe.install(sm, grpcprom.NewClientMetrics())
			e := startEnv(t, so, nil)

			call := func(trace string) {
				ctx := context.Background()
				if trace != "" {
					ctx = metadata.AppendToOutgoingContext(ctx, "x-trace", trace)
				}
				if _, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "ok"}); err != nil {
					t.Fatalf("SayHello with trace %q: %v", trace, err)
				}
			}
			call("")                       // no exemplar
			call(strings.Repeat("a", 200)) // too long
			call("badname")                // bad label name
			call("abc123")                 // kept
			// A bidi stream: one exemplar call for the whole RPC.
			ctx := metadata.AppendToOutgoingContext(context.Background(), "x-trace", "stream1")
			bs, err := e.client.SayHelloBidiStream(ctx)
			if err != nil {
				t.Fatalf("bidi: %v", err)
			}
			for range 3 {
				_ = bs.Send(&pb.HelloRequest{Name: "ok"})
				if _, err := bs.Recv(); err != nil {
					t.Fatalf("Recv: %v", err)
				}
			}
			_ = bs.CloseSend()
			_, _ = bs.Recv()
			e.srv.GracefulStop()

			if got := calls.Load(); got != 5 {
				t.Errorf("exemplar function called %d times for 5 RPCs", got)
			}
			dropped := snapshot(t, reg)[`grpcprom_server_exemplars_dropped_total{}`]
			if dropped != 2 {
				t.Errorf("dropped exemplars = %g, want 2", dropped)
			}
			if v := value(t, reg, key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=OK")); v != 4 {
				t.Errorf("handled = %g, want 4 (dropping an exemplar must not drop the RPC)", v)
			}
			for _, name := range []string{"grpc_server_handled_total", "grpc_server_handling_seconds"} {
				got := exemplarsOf(t, reg, name)
				want := map[string]bool{"abc123": true, "stream1": true}
				if len(got) != 2 {
					t.Errorf("%s exemplars = %v, want one for abc123 and one for stream1", name, got)
				}
				for _, ex := range got {
					if !want[ex["trace_id"]] || len(ex) != 1 {
						t.Errorf("%s exemplar %v, want trace_id abc123 or stream1", name, ex)
					}
				}
			}
			if fe.name == "stats" {
				for _, name := range []string{"grpc_server_msg_received_size_bytes", "grpc_server_msg_sent_size_bytes"} {
					if got := exemplarsOf(t, reg, name); len(got) == 0 {
						t.Errorf("%s has no exemplar", name)
					}
				}
			}
		})
	}
}

func TestNativeHistogram(t *testing.T) {
	native := grpcprom.WithHistogramOpts(prometheus.HistogramOpts{
		NativeHistogramBucketFactor:    1.1,
		NativeHistogramMaxBucketNumber: 100,
	})
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(native))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	e := startEnv(t, sm.ServerOptions(), nil)
	driveAllTypes(t, e.client)

	found := 0
	for _, m := range metricsOf(t, reg, "grpc_server_handling_seconds") {
		h := m.GetHistogram()
		found++
		if h.Schema == nil || h.GetSchema() > 8 || h.GetSchema() < -4 {
			t.Errorf("histogram has no native schema: %v", h)
		}
		if len(h.GetBucket()) != 0 {
			t.Errorf("native-only histogram has %d classic buckets", len(h.GetBucket()))
		}
		if h.GetSampleCount() != 1 || len(h.GetPositiveSpan())+int(h.GetZeroCount()) == 0 {
			t.Errorf("native histogram did not record the RPC: %v", h)
		}
	}
	if found != 4 {
		t.Errorf("%d native histogram series, want 4", found)
	}
}
