package bench

import (
	"os"
	"slices"
	"strings"
	"testing"

	ggmprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	ggp "github.com/grpc-ecosystem/go-grpc-prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom"
	"github.com/seed-db7adb15/grpcprom/bench/differential"
	compatv2 "github.com/seed-db7adb15/grpcprom/compat/providers/prometheus"
)

// The differential test: the scripted traffic of package differential
// goes through each peer and through every grpcprom implementation that
// claims the peer's series, and the gathered samples must be equal, except
// for the differences listed in knownDifferences, each a place where the
// peer records something other than what gRPC did.

// impl is a named implementation.
type impl struct {
	name  string
	build differential.Build
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
			// compat/grpc_prometheus and go-grpc-prometheus both register
			// the same counters on the default registry at init, so one
			// binary cannot import both: bench/differential/compatv1
			// checks that it records exactly what this row does.
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
			{"compat/providers/prometheus", buildCompatV2},
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
	return differential.Interceptors(sm.UnaryServerInterceptor(), sm.StreamServerInterceptor(),
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
	return differential.Interceptors(sm.UnaryServerInterceptor(), sm.StreamServerInterceptor(),
		cm.UnaryClientInterceptor(), cm.StreamClientInterceptor())
}

// buildCompatV2 is buildV2 on the drop-in package.
func buildCompatV2(reg prometheus.Registerer) ([]grpc.ServerOption, []grpc.DialOption) {
	sm := compatv2.NewServerMetrics(compatv2.WithServerHandlingTimeHistogram())
	cm := compatv2.NewClientMetrics(
		compatv2.WithClientHandlingTimeHistogram(),
		compatv2.WithClientStreamRecvHistogram(),
		compatv2.WithClientStreamSendHistogram(),
	)
	reg.MustRegister(sm, cm)
	return differential.Interceptors(sm.UnaryServerInterceptor(), sm.StreamServerInterceptor(),
		cm.UnaryClientInterceptor(), cm.StreamClientInterceptor())
}

// buildOurs builds grpcprom's interceptors with the given options.
func buildOurs(so []grpcprom.ServerOption, co []grpcprom.ClientOption) differential.Build {
	return func(reg prometheus.Registerer) ([]grpc.ServerOption, []grpc.DialOption) {
		sm := grpcprom.NewServerMetrics(so...)
		cm := grpcprom.NewClientMetrics(co...)
		reg.MustRegister(sm, cm)
		return differential.Interceptors(sm.UnaryServerInterceptor(), sm.StreamServerInterceptor(),
			cm.UnaryClientInterceptor(), cm.StreamClientInterceptor())
	}
}

// TestDifferential runs every step through each peer and the
// implementations compared with it, and fails on any difference not in
// knownDifferences and on any known difference that no longer occurs.
func TestDifferential(t *testing.T) {
	for _, c := range comparisons {
		t.Run(c.peer.name, func(t *testing.T) {
			for _, st := range differential.Steps {
				theirs := differential.Run(t, st, c.peer.build)
				want := expected(c.peer.name, st.Name)
				for _, o := range c.ours {
					got := differential.Diff(t, differential.Run(t, st, o.build), theirs)
					for _, d := range got {
						if _, ok := want[d]; !ok {
							t.Errorf("%s, step %q: unlisted difference: %s", o.name, st.Name, d)
						}
					}
					for d, reason := range want {
						if !slices.Contains(got, d) {
							t.Errorf("%s, step %q: listed difference no longer occurs: %s (%s)", o.name, st.Name, d, reason)
						}
					}
				}
			}
		})
	}
}

// expected returns the differences knownDifferences lists for peer and
// step, with their reasons.
func expected(peer, step string) map[differential.Difference]string {
	want := map[differential.Difference]string{}
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
	for _, st := range differential.Steps {
		names[st.Name] = true
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
