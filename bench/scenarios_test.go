package bench

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/seed-db7adb15/grpcprom/bench/scenarios"
	"google.golang.org/grpc/stats"
)

// TestImplsRecord checks that every instrumented implementation records, as
// handled, the RPCs and streams the scenarios make, so that the benchmarks
// measure a complete recording.
func TestImplsRecord(t *testing.T) {
	for _, impl := range scenarios.Impls {
		if impl.Name == scenarios.NoMetrics {
			continue
		}
		t.Run(impl.Name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			if err := scenarios.Exercise(impl.Server(reg), impl.Client(reg)); err != nil {
				t.Fatal(err)
			}
			families, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"grpc_server_handled_total", "grpc_client_handled_total"} {
				for _, method := range []string{"SayHello", "SayHelloBidiStream"} {
					if got := counter(families, name, method); got != 1 {
						t.Errorf("%s{grpc_method=%q} = %v, want 1", name, method, got)
					}
				}
			}
		})
	}
}

func counter(families []*dto.MetricFamily, name, method string) float64 {
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "grpc_method" && l.GetValue() == method {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}

// countingHandler counts the per-RPC events of each type.
type countingHandler struct {
	events map[string]int
}

func (h *countingHandler) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return ctx
}

func (h *countingHandler) HandleRPC(_ context.Context, s stats.RPCStats) {
	side := "server"
	if s.IsClient() {
		side = "client"
	}
	var kind string
	switch s.(type) {
	case *stats.Begin:
		kind = "begin"
	case *stats.InPayload:
		kind = "in"
	case *stats.OutPayload:
		kind = "out"
	case *stats.End:
		kind = "end"
	default:
		return
	}
	h.events[side+" "+kind]++
}

func (h *countingHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}

func (h *countingHandler) HandleConn(context.Context, stats.ConnStats) {}

// TestStatsAdapters checks that StatsServer and StatsClient feed a stats
// handler one Begin and one End per RPC and one payload event per message.
func TestStatsAdapters(t *testing.T) {
	h := &countingHandler{events: map[string]int{}}
	if err := scenarios.Exercise(scenarios.StatsServer(h), scenarios.StatsClient(h)); err != nil {
		t.Fatal(err)
	}
	for _, side := range []string{"server", "client"} {
		for _, kind := range []string{"begin", "in", "out", "end"} {
			if got := h.events[side+" "+kind]; got != 2 {
				t.Errorf("%s %s events: %d, want 2", side, kind, got)
			}
		}
	}
}
