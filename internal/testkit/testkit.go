// Package testkit holds the test fixtures the packages of this repository
// share: flattening a registry into exact series, building the keys of
// the Greeter test service's series, comparing them, waiting, and the
// goroutine leak check. Only tests import it.
package testkit

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Snapshot gathers g and flattens it into "name{label="value",...}" keys:
// counters and gauges by value, histograms as name_count. Sums are left
// out because they depend on timing.
func Snapshot(t testing.TB, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	return snapshot(t, g, false)
}

// SnapshotBuckets is Snapshot with every histogram bucket as well, keyed
// name_bucket{...,le="bound"}.
func SnapshotBuckets(t testing.TB, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	return snapshot(t, g, true)
}

func snapshot(t testing.TB, g prometheus.Gatherer, buckets bool) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := LabelString(m.GetLabel())
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[mf.GetName()+labels] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[mf.GetName()+labels] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				out[mf.GetName()+"_count"+labels] = float64(h.GetSampleCount())
				if buckets {
					for _, b := range h.GetBucket() {
						le := fmt.Sprintf("le=%q", fmt.Sprint(b.GetUpperBound()))
						out[mf.GetName()+"_bucket"+LabelString(m.GetLabel(), le)] = float64(b.GetCumulativeCount())
					}
				}
			}
		}
	}
	return out
}

// LabelString renders label pairs, plus any "name=\"value\"" extras, as
// {a="1",b="2"}, sorted.
func LabelString(pairs []*dto.LabelPair, extra ...string) string {
	var parts []string
	for _, p := range pairs {
		parts = append(parts, fmt.Sprintf("%s=%q", p.GetName(), p.GetValue()))
	}
	for _, e := range extra {
		if e != "" {
			parts = append(parts, e)
		}
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

// Key builds the snapshot key of a helloworld.Greeter method's series:
// name{grpc_type, grpc_service, grpc_method, and any "label=value" pairs
// in extra}.
func Key(name, typ, method string, extra ...string) string {
	parts := []string{
		fmt.Sprintf("grpc_type=%q", typ),
		fmt.Sprintf("grpc_service=%q", "helloworld.Greeter"),
		fmt.Sprintf("grpc_method=%q", method),
	}
	for _, e := range extra {
		k, v, _ := strings.Cut(e, "=")
		parts = append(parts, fmt.Sprintf("%s=%q", k, v))
	}
	sort.Strings(parts)
	return name + "{" + strings.Join(parts, ",") + "}"
}

// AssertSeries fails unless got equals want exactly: same keys, same
// values.
func AssertSeries(t testing.TB, got, want map[string]float64) {
	t.Helper()
	diffs := differences(got, want)
	for k, g := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("unexpected %s = %g", k, g))
		}
	}
	report(t, diffs)
}

// AssertContains fails unless every series of want is in got with its
// value; got may hold more.
func AssertContains(t testing.TB, got, want map[string]float64) {
	t.Helper()
	report(t, differences(got, want))
}

func differences(got, want map[string]float64) []string {
	var diffs []string
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("missing %s (want %g)", k, w))
		case g != w:
			diffs = append(diffs, fmt.Sprintf("%s = %g, want %g", k, g, w))
		}
	}
	return diffs
}

func report(t testing.TB, diffs []string) {
	t.Helper()
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Errorf("series differ:\n  %s", strings.Join(diffs, "\n  "))
	}
}

// Eventually waits up to 10 s until cond holds. Some events are recorded
// by other goroutines (a server noticing a cancel), after the client call
// returns.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Main runs the tests and fails the run when goroutines of gRPC or of
// this module outlive them: every server, client and stream a test starts
// must be stopped. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(10 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked by the tests:\n\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

func leakedGoroutines(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		leaked := testGoroutines()
		if len(leaked) == 0 || time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "testing.(*M).Run") || strings.Contains(g, "leakedGoroutines") {
			continue
		}
		if strings.Contains(g, "google.golang.org/grpc") || strings.Contains(g, "github.com/seed-db7adb15/grpcprom") ||
			strings.Contains(g, "connectrpc.com") {
			out = append(out, g)
		}
	}
	return out
}
