// Package differential drives the same scripted traffic through two
// implementations of the go-grpc-prometheus series, each on a real gRPC
// server and client over bufconn and its own pedantic registry, and
// compares what they record: every counter's value, every histogram's
// count, and histogram bucket bounds. bench's TestDifferential runs it
// against the peers; a package of its own can run it for an implementation
// that cannot share a binary with them (go-grpc-prometheus registers its
// counters on the default registry at init, and so does a drop-in for it).
package differential

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"
)

// Build installs an implementation: it registers its collectors on reg
// and returns the options that instrument a server and a client.
type Build func(reg prometheus.Registerer) ([]grpc.ServerOption, []grpc.DialOption)

// Interceptors returns the options that install four interceptors.
func Interceptors(us grpc.UnaryServerInterceptor, ss grpc.StreamServerInterceptor,
	uc grpc.UnaryClientInterceptor, sc grpc.StreamClientInterceptor) ([]grpc.ServerOption, []grpc.DialOption) {
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(us), grpc.ChainStreamInterceptor(ss)},
		[]grpc.DialOption{grpc.WithChainUnaryInterceptor(uc), grpc.WithChainStreamInterceptor(sc)}
}

// Difference is one series that two registries gather differently.
// Values are a counter's value, "count N" for a histogram, "-" when the
// series is absent.
type Difference struct {
	Series       string
	Ours, Theirs string
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: grpcprom %s, peer %s", d.Series, d.Ours, d.Theirs)
}

// Same runs every step through ref and impl and fails t on any
// difference.
func Same(t *testing.T, ref, impl Build) {
	t.Helper()
	for _, st := range Steps {
		for _, d := range Diff(t, Run(t, st, impl), Run(t, st, ref)) {
			t.Errorf("step %q: %s", st.Name, d)
		}
	}
}

// Diff compares what two registries gather: the value of every counter
// and gauge, the count of every histogram, and the bucket bounds of every
// histogram family both have (which must be equal).
func Diff(t *testing.T, ours, theirs *prometheus.Registry) []Difference {
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
	all := maps.Clone(a)
	maps.Copy(all, b)
	var out []Difference
	for _, k := range slices.Sorted(maps.Keys(all)) {
		va, ok := a[k]
		if !ok {
			va = "-"
		}
		vb, ok := b[k]
		if !ok {
			vb = "-"
		}
		if va != vb {
			out = append(out, Difference{k, va, vb})
		}
	}
	return out
}

// Key is a series' key as Diff reports it: name{label="value",...}, the
// grpc_code label first when code is given.
func Key(name, service, method, typ string, code ...string) string {
	labels := []string{}
	if len(code) > 0 {
		labels = append(labels, "grpc_code="+strconv.Quote(code[0]))
	}
	labels = append(labels, "grpc_method="+strconv.Quote(method), "grpc_service="+strconv.Quote(service), "grpc_type="+strconv.Quote(typ))
	return name + "{" + strings.Join(labels, ",") + "}"
}

// OursOnly are grpcprom's families that no peer has an equivalent of;
// they are not compared. grpc_server_panics_total counts panics beside the
// Internal code they are handled with, which is compared.
var OursOnly = map[string]bool{"grpc_server_panics_total": true}

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
		if OursOnly[f.GetName()] {
			continue
		}
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
