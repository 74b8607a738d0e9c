package prometheus_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	grpcprom "github.com/seed-db7adb15/grpcprom/compat/providers/prometheus"
)

// startedByTenant returns the started counters of SayHello by the value
// of their tenant label.
func startedByTenant(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for k, v := range snapshot(t, reg) {
		if !strings.HasPrefix(k, "grpc_server_started_total{") {
			continue
		}
		_, rest, _ := strings.Cut(k, `tenant="`)
		val, _, _ := strings.Cut(rest, `"}`)
		out[val] = v
	}
	return out
}

// TestContextLabelsWithoutFunction: context labels declared, but the
// interceptor has no WithLabelsFromContext. The provider panics on the
// first RPC; here the labels are "".
func TestContextLabelsWithoutFunction(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithContextLabels("tenant"))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	callUnary(t, sm.UnaryServerInterceptor(), context.Background(), nil)
	assertSeries(t, startedByTenant(t, reg), map[string]float64{"": 1})
}

// TestContextLabelsFromFunction: names nobody declared are ignored,
// declared names the function lacks get "", and a nil map gives "".
func TestContextLabelsFromFunction(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithContextLabels("tenant", "region"))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	labels := func(ctx context.Context) prometheus.Labels {
		switch ctx.Value(caseKey{}) {
		case "undeclared":
			return prometheus.Labels{"tenant": "acme", "grpc_code": "x", "bad-name": "y"}
		case "nil":
			return nil
		}
		return prometheus.Labels{"tenant": "acme", "region": "eu"}
	}
	icpt := sm.UnaryServerInterceptor(grpcprom.WithLabelsFromContext(labels))
	for _, c := range []string{"full", "undeclared", "nil"} {
		callUnary(t, icpt, context.WithValue(context.Background(), caseKey{}, c), nil)
	}
	got := filterPrefix(snapshot(t, reg), "grpc_server_started_total")
	assertSeries(t, got, map[string]float64{
		key("grpc_server_started_total", "unary", "SayHello", "tenant=acme", "region=eu"): 1,
		key("grpc_server_started_total", "unary", "SayHello", "tenant=acme", "region="):   1,
		key("grpc_server_started_total", "unary", "SayHello", "tenant=", "region="):       1,
	})
}

type caseKey struct{}

func filterPrefix(m map[string]float64, prefix string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if strings.HasPrefix(k, prefix+"{") {
			out[k] = v
		}
	}
	return out
}

// TestContextLabelValuesAreSafe: invalid UTF-8 is replaced, long values
// are cut to 128 bytes, and past 100 distinct values a label records
// "__overflow__".
func TestContextLabelValuesAreSafe(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithContextLabels("tenant"))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	icpt := sm.UnaryServerInterceptor(grpcprom.WithLabelsFromContext(func(ctx context.Context) prometheus.Labels {
		return prometheus.Labels{"tenant": ctx.Value(caseKey{}).(string)}
	}))
	call := func(v string) { callUnary(t, icpt, context.WithValue(context.Background(), caseKey{}, v), nil) }
	call("bad\xffutf8")
	call(strings.Repeat("é", 100)) // 200 bytes
	for i := 0; i < 100; i++ {
		call(fmt.Sprintf("tenant-%03d", i))
	}
	got := startedByTenant(t, reg)
	if got["bad\uFFFDutf8"] != 1 {
		t.Errorf("invalid UTF-8 not replaced: %v", got["bad\uFFFDutf8"])
	}
	if cut := strings.Repeat("é", 64); got[cut] != 1 {
		t.Errorf("long value not cut to 128 bytes")
	}
	// Two values were admitted first, so 98 tenants fit and 2 overflow.
	if got["__overflow__"] != 2 || len(got) != 101 {
		t.Errorf("got %d values, __overflow__=%v; want 101 values, __overflow__=2", len(got), got["__overflow__"])
	}
}

// TestContextLabelMistakesPanicInConstructor: a bad name panics once,
// in the constructor, naming the option.
func TestContextLabelMistakesPanicInConstructor(t *testing.T) {
	for _, c := range []struct {
		name string
		make func()
		want string
	}{
		{"reserved", func() { grpcprom.NewServerMetrics(grpcprom.WithContextLabels("grpc_code")) },
			`grpcprom: NewServerMetrics: WithContextLabels("grpc_code"): label "grpc_code" is defined twice, is a const label, or is set by grpcprom itself`},
		{"invalid", func() { grpcprom.NewServerMetrics(grpcprom.WithContextLabels("tenant-name")) },
			`grpcprom: NewServerMetrics: WithContextLabels("tenant-name"): "tenant-name" is not a valid label name`},
		{"twice", func() { grpcprom.NewServerMetrics(grpcprom.WithContextLabels("a", "a")) },
			`grpcprom: NewServerMetrics: WithContextLabels("a"): label "a" is defined twice`},
		{"const label", func() {
			grpcprom.NewServerMetrics(grpcprom.WithContextLabels("env"),
				grpcprom.WithServerCounterOptions(grpcprom.WithConstLabels(prometheus.Labels{"env": "prod"})))
		}, `grpcprom: NewServerMetrics: WithContextLabels("env"): label "env" is defined twice, is a const label`},
		{"histogram const label", func() {
			grpcprom.NewServerMetrics(grpcprom.WithContextLabels("env"),
				grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramConstLabels(prometheus.Labels{"env": "prod"})))
		}, `grpcprom: NewServerMetrics: WithServerHandlingTimeHistogram: const label "env" is also an extra label (WithContextLabels("env"))`},
		{"client", func() { grpcprom.NewClientMetrics(grpcprom.WithClientContextLabels("grpc_method")) },
			`grpcprom: NewClientMetrics: WithClientContextLabels("grpc_method"): label "grpc_method"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := panicOf(c.make)
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("panic %q, want it to start with %q", got, c.want)
			}
		})
	}
}

// panicOf returns what f panics with, "" if it does not.
func panicOf(f func()) (msg string) {
	defer func() {
		if p := recover(); p != nil {
			msg = fmt.Sprint(p)
		}
	}()
	f()
	return ""
}
