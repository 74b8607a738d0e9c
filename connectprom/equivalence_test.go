package connectprom_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed-db7adb15/grpcprom"
)

// optionSets are the collector configurations the equivalence tests run
// under.
var optionSets = []struct {
	name string
	opts []grpcprom.Option
}{
	{"labels", []grpcprom.Option{grpcprom.WithInFlightGauge(), grpcprom.WithLabelsFromMetadata("x-tenant"), grpcprom.WithCodeOnHistograms()}},
	{"legacy", []grpcprom.Option{grpcprom.WithLegacyMetrics()}},
}

// drive runs the script with tenant "a", plus one call without a tenant.
func drive(t *testing.T, reg prometheus.Gatherer, mk func(tenant string) caller, bidi bool) map[string]float64 {
	t.Helper()
	script(t, mk("a"), bidi)
	_ = mk("").unary(t.Context(), "ok")
	settle(t, reg)
	return snapshot(t, reg)
}

// reference is the exposition of the scripted traffic between a grpc-go
// client and server with grpcprom's interceptors.
func reference(t *testing.T, opts []grpcprom.Option, bidi bool) map[string]float64 {
	t.Helper()
	reg, sm, cm := newPair(opts...)
	gc := grpcClient(t, startGRPC(t, sm), cm)
	want := drive(t, reg, func(tenant string) caller { return grpcCaller{gc, tenant} }, bidi)
	if n := len(nonZero(want)); n < 40 {
		t.Fatalf("reference has only %d non-zero series", n)
	}
	return want
}

// TestEquivalenceH2C drives the same traffic through a grpc-go server and
// client and through a connect-go handler and client over h2c, for each of
// connect's protocols, and expects the same exposition but for histogram
// sums. A grpc-go client calling the connect-go handler must give the same
// series too.
func TestEquivalenceH2C(t *testing.T) {
	for _, set := range optionSets {
		t.Run(set.name, func(t *testing.T) {
			want := reference(t, set.opts, true)
			for _, p := range protocols {
				t.Run(p.name, func(t *testing.T) {
					reg, sm, cm := newPair(set.opts...)
					cc := connectClient(t, startConnect(t, sm, true), cm, true, p)
					got := drive(t, reg, func(tenant string) caller { return connectCaller{cc, tenant} }, true)
					assertSeries(t, got, want)
				})
			}
			t.Run("grpc-go client", func(t *testing.T) {
				reg, sm, cm := newPair(set.opts...)
				srv := startConnect(t, sm, true)
				gc := grpcClient(t, strings.TrimPrefix(srv.URL, "http://"), cm)
				got := drive(t, reg, func(tenant string) caller { return grpcCaller{gc, tenant} }, true)
				assertSeries(t, got, want)
			})
		})
	}
}

// TestEquivalenceHTTP1 does the same over HTTP/1.1, without bidi streams,
// which connect-go cannot carry over HTTP/1.1.
func TestEquivalenceHTTP1(t *testing.T) {
	set := optionSets[0]
	want := reference(t, set.opts, false)
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			reg, sm, cm := newPair(set.opts...)
			cc := connectClient(t, startConnect(t, sm, false), cm, false, p)
			got := drive(t, reg, func(tenant string) caller { return connectCaller{cc, tenant} }, false)
			assertSeries(t, got, want)
		})
	}
}
