package bench

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	ggmprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	ggp "github.com/grpc-ecosystem/go-grpc-prometheus"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom"
)

// The differential test: the scripted traffic of
// differential_traffic_test.go goes through each peer and through every
// grpcprom implementation that claims the peer's series, and the gathered
// samples must be equal, except for the differences listed in
// knownDifferences, each a place where the peer records something other
// than what gRPC did.

// buildFunc installs an implementation: it registers its collectors on reg
// and returns the options that instrument a server and a client.
type buildFunc func(reg prometheus.Registerer) ([]grpc.ServerOption, []grpc.DialOption)

// impl is a named implementation.
type impl struct {
	name  string
	build buildFunc
}

// comparison is a peer and the grpcprom implementations that must export
// its series, with the peer's features turned on alike.
type comparison struct {
	peer impl
	ours []impl
}

// Peer names, as knownDifferences uses them.
const (
	peerV1 = "go-grpc-prometheus v1.2.0"
	peerV2 = "go-grpc-middleware providers/prometheus v1.1.1 (interceptors v2.3.4)"
)

var comparisons = []comparison{
	{
		peer: impl{peerV1, buildV1},
		ours: []impl{
			{"grpcprom", buildOurs(
				[]grpcprom.ServerOption{grpcprom.WithServerHandlingTimeHistogram()},
				[]grpcprom.ClientOption{grpcprom.WithClientHandlingTimeHistogram()},
			)},
			// TODO(issue 9 Part 2): one row for compat/grpc_prometheus,
			// the body of buildV1 with its import:
			//	{"compat/grpc_prometheus", buildCompatV1},
		},
	},
	{
		peer: impl{peerV2, buildV2},
		ours: []impl{
			{"grpcprom", buildOurs(
				[]grpcprom.ServerOption{grpcprom.WithServerHandlingTimeHistogram()},
				[]grpcprom.ClientOption{
					grpcprom.WithClientHandlingTimeHistogram(),
					grpcprom.WithClientStreamRecvHistogram(),
					grpcprom.WithClientStreamSendHistogram(),
				},
			)},
			// TODO(issue 9 Part 3): one row for compat/providers/prometheus,
			// the body of buildV2 with its import:
			//	{"compat/providers/prometheus", buildCompatV2},
		},
	},
}

// buildV1 turns on everything go-grpc-prometheus v1.2.0 offers.
func buildV1(reg prometheus.Registerer) ([]grpc.ServerOption, []grpc.DialOption) {
	sm := ggp.NewServerMetrics()
	sm.EnableHandlingTimeHistogram()
	cm := ggp.NewClientMetrics()
	cm.EnableClientHandlingTimeHistogram()
	reg.MustRegister(sm, cm)
	return interceptors(sm.UnaryServerInterceptor(), sm.StreamServerInterceptor(),
		cm.UnaryClientInterceptor(), cm.StreamClientInterceptor())
}

// buildV2 turns on everything providers/prometheus offers.
func buildV2(reg prometheus.Registerer) ([]grpc.ServerOption, []grpc.DialOption) {
	sm := ggmprom.NewServerMetrics(ggmprom.WithServerHandlingTimeHistogram())
	cm := ggmprom.NewClientMetrics(
		ggmprom.WithClientHandlingTimeHistogram(),
		ggmprom.WithClientStreamRecvHistogram(),
		ggmprom.WithClientStreamSendHistogram(),
	)
	reg.MustRegister(sm, cm)
	return interceptors(sm.UnaryServerInterceptor(), sm.StreamServerInterceptor(),
		cm.UnaryClientInterceptor(), cm.StreamClientInterceptor())
}

// buildOurs builds grpcprom's interceptors with the given options.
func buildOurs(so []grpcprom.ServerOption, co []grpcprom.ClientOption) buildFunc {
	return func(reg prometheus.Registerer) ([]grpc.ServerOption, []grpc.DialOption) {
		sm := grpcprom.NewServerMetrics(so...)
		cm := grpcprom.NewClientMetrics(co...)
		reg.MustRegister(sm, cm)
		return interceptors(sm.UnaryServerInterceptor(), sm.StreamServerInterceptor(),
			cm.UnaryClientInterceptor(), cm.StreamClientInterceptor())
	}
}

func interceptors(us grpc.UnaryServerInterceptor, ss grpc.StreamServerInterceptor,
	uc grpc.UnaryClientInterceptor, sc grpc.StreamClientInterceptor) ([]grpc.ServerOption, []grpc.DialOption) {
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(us), grpc.ChainStreamInterceptor(ss)},
		[]grpc.DialOption{grpc.WithChainUnaryInterceptor(uc), grpc.WithChainStreamInterceptor(sc)}
}

// TestDifferential runs every step through each peer and the
// implementations compared with it, and fails on any difference not in
// knownDifferences and on any known difference that no longer occurs.
func TestDifferential(t *testing.T) {
	for _, c := range comparisons {
		t.Run(c.peer.name, func(t *testing.T) {
			for _, st := range steps {
				theirs := runStep(t, st, c.peer.build)
				want := expected(c.peer.name, st.name)
				for _, o := range c.ours {
					got := diff(t, runStep(t, st, o.build), theirs)
					for _, d := range got {
						if _, ok := want[d]; !ok {
							t.Errorf("%s, step %q: unlisted difference: %s", o.name, st.name, d)
						}
					}
					for d, reason := range want {
						if !slices.Contains(got, d) {
							t.Errorf("%s, step %q: listed difference no longer occurs: %s (%s)", o.name, st.name, d, reason)
						}
					}
				}
			}
		})
	}
}

// expected returns the differences knownDifferences lists for peer and
// step, with their reasons.
func expected(peer, step string) map[difference]string {
	want := map[difference]string{}
	for _, k := range knownDifferences {
		if k.peer == peer && slices.Contains(k.steps, step) {
			for _, d := range k.series {
				want[d] = k.reason
			}
		}
	}
	return want
}

// TestPeerVersions ties knownDifferences to the versions it was made
// with, which go.mod selects: the peers' behaviour depends on them
// (go-grpc-middleware's client-stream counting changed in interceptors
// v2.2.0).
func TestPeerVersions(t *testing.T) {
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"github.com/grpc-ecosystem/go-grpc-prometheus":                      "v1.2.0",
		"github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus": "v1.1.1",
		"github.com/grpc-ecosystem/go-grpc-middleware/v2":                   "v2.3.4",
		"google.golang.org/grpc":                                            "v1.85.0",
	}
	for _, line := range strings.Split(string(mod), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if v, ok := want[f[0]]; ok {
			if f[1] != v {
				t.Errorf("%s %s: knownDifferences was made with %s; rerun, and update it, the peer names and the README's Switching section", f[0], f[1], v)
			}
			delete(want, f[0])
		}
	}
	for p := range want {
		t.Errorf("go.mod does not require %s", p)
	}
}

// TestKnownDifferencesNameSteps keeps knownDifferences about peers and
// steps that exist.
func TestKnownDifferencesNameSteps(t *testing.T) {
	names := map[string]bool{}
	for _, st := range steps {
		names[st.name] = true
	}
	peers := map[string]bool{}
	for _, c := range comparisons {
		peers[c.peer.name] = true
	}
	for _, k := range knownDifferences {
		if !peers[k.peer] {
			t.Errorf("known difference %q names no peer %q", k.reason, k.peer)
		}
		for _, s := range k.steps {
			if !names[s] {
				t.Errorf("known difference %q names no step %q", k.reason, s)
			}
		}
	}
}

// difference is one series that two registries gather differently.
type difference struct {
	series       string
	ours, theirs string // "-" when absent
}

func (d difference) String() string {
	return fmt.Sprintf("%s: grpcprom %s, peer %s", d.series, d.ours, d.theirs)
}

// diff compares what two registries gather: the value of every counter
// and gauge, the _count of every histogram, and the bucket bounds of every
// histogram family both have (which must be equal).
func diff(t *testing.T, ours, theirs *prometheus.Registry) []difference {
	t.Helper()
	a, aBounds := samples(t, ours)
	b, bBounds := samples(t, theirs)
	if len(a) == 0 || len(b) == 0 {
		t.Fatalf("nothing recorded: grpcprom %d series, peer %d", len(a), len(b))
	}
	for name, bounds := range aBounds {
		if other, ok := bBounds[name]; ok && other != bounds {
			t.Errorf("%s buckets: grpcprom %s, peer %s", name, bounds, other)
		}
	}
	var out []difference
	for _, k := range slices.Sorted(maps.Keys(union(a, b))) {
		va, ok := a[k]
		if !ok {
			va = "-"
		}
		vb, ok := b[k]
		if !ok {
			vb = "-"
		}
		if va != vb {
			out = append(out, difference{k, va, vb})
		}
	}
	return out
}

func union(a, b map[string]string) map[string]string {
	u := maps.Clone(a)
	maps.Copy(u, b)
	return u
}

// samples gathers reg: one value per series, keyed
// name{label="value",...} with the labels sorted, and each histogram
// family's bucket bounds. A counter at 0 and a histogram with no
// observation are left out: grpcprom creates a method's series when it
// first sees the method, the peers each series at its first increment,
// and a series at 0 says what an absent one does.
func samples(t *testing.T, reg *prometheus.Registry) (map[string]string, map[string]string) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gathering: %v", err)
	}
	values, bounds := map[string]string{}, map[string]string{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName() + labelString(m.GetLabel())
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				if v := m.GetCounter().GetValue(); v != 0 {
					values[key] = formatFloat(v)
				}
			case dto.MetricType_GAUGE:
				values[key] = formatFloat(m.GetGauge().GetValue())
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				if n := h.GetSampleCount(); n != 0 {
					values[key] = "count " + strconv.FormatUint(n, 10)
				}
				var le []string
				for _, b := range h.GetBucket() {
					le = append(le, formatFloat(b.GetUpperBound()))
				}
				bounds[f.GetName()] = strings.Join(le, " ")
			default:
				values[key] = "type " + f.GetType().String()
			}
		}
	}
	return values, bounds
}

func labelString(labels []*dto.LabelPair) string {
	parts := make([]string, 0, len(labels))
	for _, l := range labels {
		parts = append(parts, l.GetName()+"="+strconv.Quote(l.GetValue()))
	}
	slices.Sort(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
