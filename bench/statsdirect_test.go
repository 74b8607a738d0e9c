package bench

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed-db7adb15/grpcprom/bench/scenarios"
)

// BenchmarkStatsDirect feeds the events of one RPC, or of one message each
// way, straight to each stats handler.
func BenchmarkStatsDirect(b *testing.B) {
	for _, s := range scenarios.StatsDirectScenarios {
		for _, impl := range scenarios.StatsDirectImpls {
			b.Run(s.Name+"/"+impl.Name, func(b *testing.B) { s.Run(b, impl) })
		}
	}
}

// TestStatsDirectScenarios runs every stats-direct scenario for one
// iteration and checks that grpcprom and promgrpc each recorded the one
// call, on the side the scenario drives, with its received bytes.
func TestStatsDirectScenarios(t *testing.T) {
	want := map[string]struct {
		client      bool
		method      string
		calls, recv float64
	}{
		"ServerUnary":     {false, scenarios.UnaryMethod, 1, 7},
		"ClientUnary":     {true, scenarios.UnaryMethod, 1, 13},
		"ServerStreamMsg": {false, scenarios.StreamMethod, 1, 7},
		"ClientStreamMsg": {true, scenarios.StreamMethod, 1, 13},
	}
	for _, s := range scenarios.StatsDirectScenarios {
		for _, impl := range scenarios.StatsDirectImpls {
			t.Run(s.Name+"/"+impl.Name, func(t *testing.T) {
				reg := prometheus.NewRegistry()
				server, client := impl.Server, impl.Client
				impl.Server = func(prometheus.Registerer) scenarios.Server { return server(reg) }
				impl.Client = func(prometheus.Registerer) scenarios.Client { return client(reg) }
				once(t, func(b *testing.B) { s.Run(b, impl) })
				si, ok := scenarios.LookupStats(impl.Name)
				if !ok || si.Recorded == nil {
					return
				}
				w := want[s.Name]
				calls, recv := si.Recorded(gather(t, reg), w.client, w.method)
				if calls != w.calls || recv != w.recv {
					t.Errorf("%v calls, %v bytes received; want %v, %v", calls, recv, w.calls, w.recv)
				}
			})
		}
	}
}
