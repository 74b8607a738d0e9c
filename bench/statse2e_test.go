package bench

import (
	"flag"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/seed-db7adb15/grpcprom/bench/scenarios"
	"google.golang.org/grpc"
)

// BenchmarkStatsUnary measures whole SayHello calls over bufconn with each
// stats handler on both sides; "none" is gRPC alone and "noop-handler" gRPC
// with a stats handler that does nothing.
func BenchmarkStatsUnary(b *testing.B) { runStats(b, scenarios.StatsUnary) }

// BenchmarkStatsStreamMsg measures one message each way on an open bidi
// stream over bufconn, stats handlers as in BenchmarkStatsUnary.
func BenchmarkStatsStreamMsg(b *testing.B) { runStats(b, scenarios.StatsStreamMsg) }

func runStats(b *testing.B, scenario func(*testing.B, scenarios.StatsImpl)) {
	for _, impl := range scenarios.StatsImpls {
		b.Run(impl.Name, func(b *testing.B) { scenario(b, impl) })
	}
}

// once runs fn as a benchmark of exactly one iteration and fails t unless
// it ran that one iteration without failing.
func once(t *testing.T, fn func(*testing.B)) testing.BenchmarkResult {
	t.Helper()
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	if err := bt.Value.Set("1x"); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bt.Value.Set(old) }()
	r := testing.Benchmark(fn)
	if r.N != 1 {
		t.Fatalf("benchmark ran %d iterations, want 1 (0: it failed)", r.N)
	}
	return r
}

// capturing returns impl with its registries kept in *sreg and *creg.
func capturing(impl scenarios.StatsImpl, sreg, creg *prometheus.Gatherer) scenarios.StatsImpl {
	server, client := impl.Server, impl.Client
	impl.Server = func(reg prometheus.Registerer) ([]grpc.ServerOption, error) {
		*sreg = reg.(prometheus.Gatherer)
		return server(reg)
	}
	impl.Client = func(reg prometheus.Registerer) ([]grpc.DialOption, error) {
		*creg = reg.(prometheus.Gatherer)
		return client(reg)
	}
	return impl
}

// TestStatsScenarios runs each end-to-end stats scenario for one iteration
// with every implementation (the scenarios themselves fail unless both
// sides recorded every call and message) and checks, on each side's
// registry, exactly two unary calls (the warm-up and the timed one), or one
// stream carrying two messages each way (requests of 7 payload bytes,
// replies of 13).
func TestStatsScenarios(t *testing.T) {
	want := map[string]struct {
		method                        string
		calls, serverRecv, clientRecv float64
	}{
		"StatsUnary":     {scenarios.UnaryMethod, 2, 2 * 7, 2 * 13},
		"StatsStreamMsg": {scenarios.StreamMethod, 1, 2 * 7, 2 * 13},
	}
	for _, s := range scenarios.StatsAll {
		for _, impl := range scenarios.StatsImpls {
			t.Run(s.Name+"/"+impl.Name, func(t *testing.T) {
				var sreg, creg prometheus.Gatherer
				once(t, func(b *testing.B) { s.Run(b, capturing(impl, &sreg, &creg)) })
				if impl.Recorded == nil {
					return
				}
				w := want[s.Name]
				for _, side := range []struct {
					client bool
					g      prometheus.Gatherer
					recv   float64
				}{{false, sreg, w.serverRecv}, {true, creg, w.clientRecv}} {
					calls, recv := impl.Recorded(gather(t, side.g), side.client, w.method)
					if calls != w.calls || recv != side.recv {
						t.Errorf("client=%v: %v calls, %v bytes received; want %v, %v", side.client, calls, recv, w.calls, side.recv)
					}
				}
			})
		}
	}
}

func gather(t *testing.T, g prometheus.Gatherer) []*dto.MetricFamily {
	t.Helper()
	fs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return fs
}
