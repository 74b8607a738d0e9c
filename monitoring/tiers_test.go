package monitoring

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// federateMatch is the federation selector of the README: every record of
// the rules, at every level, and no raw series (their names have no colon).
const federateMatch = `{__name__=~"grpc_service.*:.*"}`

// TestTwoTiers runs two replicas of the example, a leaf Prometheus that
// scrapes both and evaluates the recording rules, and a global Prometheus
// that federates only the records from the leaf and evaluates the alerts.
func TestTwoTiers(t *testing.T) {
	prometheus := requireTool(t, "prometheus")
	tmp := t.TempDir()
	bin := buildExample(t, tmp)
	a, aAddr := startExample(t, bin, "replica a")
	b, bAddr := startExample(t, bin, "replica b")

	leaf, leafAPI := startPrometheus(t, prometheus, filepath.Join(tmp, "leaf"), "leaf prometheus",
		fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n%s\nscrape_configs:\n%s",
			yamlList(absPaths(t, recordingFiles), "  "), scrapeConfig(job, aAddr, bAddr)))
	leafAddr := strings.TrimPrefix(leafAPI.base, "http://")
	global, globalAPI := startPrometheus(t, prometheus, filepath.Join(tmp, "global"), "global prometheus",
		fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
%s
scrape_configs:
  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params:
      'match[]': [%q]
    static_configs:
      - targets: [%q]
`, yamlList(absPaths(t, alertFiles), "  "), federateMatch, leafAddr))
	procs := []*process{a, b, leaf, global}
	ctx := t.Context()

	// The records reach the global tier, the SLO records included, and
	// the default traffic meets the SLOs: no RPC is slow, and the only
	// server errors are the rare panics (one per replica near the start,
	// then one every 3000 rounds), far below the fast-burn page's 1.44%.
	ready := []check{
		{expr: fmt.Sprintf(`count(up{job=%q} == 1)`, job), want: value("2")},
		{expr: `grpc_service_method_type:grpc_server_handled:rate5m{grpc_type="unary"}`, want: nonEmpty},
	}
	if err := poll(ctx, leafAPI, procs, time.Now().Add(60*time.Second), ready); err != nil {
		t.Fatalf("the leaf has no records: %v", err)
	}
	var globalChecks []check
	for name, want := range map[string]func([]sample) error{
		"grpc_service:grpc_server_handled_errors_per_handled:ratio_rate5m": below(0.0144),
		"grpc_service:grpc_server_slow_unary_per_unary:ratio_rate5m":       value("0"),
		"grpc_service:grpc_server_handled_errors_per_handled:ratio_rate3d": below(0.0144),
		"grpc_service:grpc_server_slow_unary_per_unary:ratio_rate3d":       value("0"),
	} {
		globalChecks = append(globalChecks, check{
			expr: fmt.Sprintf(`%s{job=%q, grpc_service="helloworld.Greeter"}`, name, job),
			want: want,
		})
	}
	globalChecks = append(globalChecks, check{expr: `count by (grpc_type) (grpc_service_method_type:grpc_server_handled:rate5m > 0)`, want: allGRPCTypes})
	if err := poll(ctx, globalAPI, procs, time.Now().Add(60*time.Second), globalChecks); err != nil {
		t.Fatalf("the global tier lacks the records: %v", err)
	}

	checkFederatedSums(ctx, t, leafAPI, globalAPI, procs, []string{aAddr, bAddr})
	checkNoRawSeries(ctx, t, globalAPI, []string{aAddr, bAddr})
	checkAlertsEvaluate(ctx, t, globalAPI)
}

// value wants exactly one sample of the value want.
func value(want string) func([]sample) error {
	return func(s []sample) error {
		if len(s) != 1 || s[0].Value != want {
			return fmt.Errorf("got %v, want one sample of value %s", s, want)
		}
		return nil
	}
}

// below wants exactly one sample, of a value from 0 to less than limit.
func below(limit float64) func([]sample) error {
	return func(s []sample) error {
		if len(s) != 1 {
			return fmt.Errorf("got %v, want one sample", s)
		}
		v, err := strconv.ParseFloat(s[0].Value, 64)
		if err != nil || !(v >= 0 && v < limit) {
			return fmt.Errorf("got %v, want one sample from 0 to less than %g", s, limit)
		}
		return nil
	}
}

// checkFederatedSums checks that the global tier's per-service rate, which
// it computes from the federated per-method records, equals the sum over
// the two replicas of the rates of their raw series, queried from the leaf
// at the time the leaf recorded them. A scrape that the leaf appends just
// after a rule evaluation can change the leaf's raw data at that time, so
// the comparison is retried on later records, for at most 30s.
func checkFederatedSums(ctx context.Context, t *testing.T, leaf, global *promAPI, procs []*process, replicas []string) {
	t.Helper()
	const perService = `sum by (job, grpc_service) (grpc_service_method_type:grpc_server_handled:rate5m{job="helloworld"})`
	deadline := time.Now().Add(30 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		last = compareOnce(ctx, leaf, global, perService, replicas)
		if last == nil {
			return
		}
		for _, p := range procs {
			if err := p.exited(); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("global per-service rates never matched the replicas' sum: %v", last)
}

func compareOnce(ctx context.Context, leaf, global *promAPI, perService string, replicas []string) error {
	// The time of the leaf's evaluation that the federated records come
	// from: federation keeps the timestamps.
	ts, err := global.query(ctx, `max(timestamp(grpc_service_method_type:grpc_server_handled:rate5m{job="helloworld"}))`)
	if err != nil || len(ts) != 1 {
		return fmt.Errorf("timestamp of the records: %v %v", ts, err)
	}
	at := ts[0].Value
	got, err := global.queryAt(ctx, perService, at)
	if err != nil {
		return err
	}
	raw, err := leaf.queryAt(ctx, `sum by (instance, grpc_service) (rate(grpc_server_handled_total{job="helloworld"}[5m]))`, at)
	if err != nil {
		return err
	}
	sums := map[string]float64{}
	instances := map[string]map[string]bool{}
	for _, s := range raw {
		v, err := strconv.ParseFloat(s.Value, 64)
		if err != nil {
			return err
		}
		svc := s.Labels["grpc_service"]
		sums[svc] += v
		if instances[svc] == nil {
			instances[svc] = map[string]bool{}
		}
		instances[svc][s.Labels["instance"]] = true
	}
	if len(got) == 0 || len(got) != len(sums) {
		return fmt.Errorf("at %s: global services %v, leaf services %v", at, got, sums)
	}
	for _, g := range got {
		svc := g.Labels["grpc_service"]
		var inst []string
		for i := range instances[svc] {
			inst = append(inst, i)
		}
		sort.Strings(inst)
		want := append([]string{}, replicas...)
		sort.Strings(want)
		if strings.Join(inst, ",") != strings.Join(want, ",") {
			return fmt.Errorf("at %s: %s raw series from instances %v, want %v", at, svc, inst, want)
		}
		v, err := strconv.ParseFloat(g.Value, 64)
		if err != nil {
			return err
		}
		if sums[svc] == 0 || math.Abs(v-sums[svc]) > 1e-9*sums[svc] {
			return fmt.Errorf("at %s: %s: global %v RPC/s, sum over the replicas %v", at, svc, v, sums[svc])
		}
	}
	return nil
}

// checkNoRawSeries checks that the global tier holds no raw gRPC series
// and no series of a replica's instance.
func checkNoRawSeries(ctx context.Context, t *testing.T, global *promAPI, replicas []string) {
	t.Helper()
	for _, expr := range []string{
		`count by (__name__) ({__name__=~"grpc_.*", __name__!~".*:.*"})`,
		fmt.Sprintf(`count by (__name__) ({instance=~%q})`, strings.Join(replicas, "|")),
		`count by (__name__) ({__name__=~".*_total|.*_bucket"})`,
	} {
		// An instant query sees every series with a sample in the last
		// 5 minutes, longer than the global tier has run.
		s, err := global.query(ctx, expr)
		if err != nil {
			t.Fatalf("query the global tier: %v", err)
		}
		if len(s) != 0 {
			t.Errorf("the global tier has raw series: %s -> %v", expr, s)
		}
	}
}

// checkAlertsEvaluate checks that the global tier evaluates every alert of
// the alert files without error, and that none fires on the default
// traffic.
func checkAlertsEvaluate(ctx context.Context, t *testing.T, global *promAPI) {
	t.Helper()
	var want []string
	for _, f := range alertFiles {
		names, err := ruleNames(f, "- alert:")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, names...)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		rules, err := global.rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got, problems []string
		for _, r := range rules {
			got = append(got, r.Name)
			if r.Type != "alerting" || r.Health != "ok" || r.LastError != "" {
				problems = append(problems, fmt.Sprintf("%s: type %s, health %s, error %q", r.Name, r.Type, r.Health, r.LastError))
			}
		}
		if len(problems) == 0 && strings.Join(got, ",") == strings.Join(want, ",") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("global alerts: got %v, want %v, all of health ok:\n%s", got, want, strings.Join(problems, "\n"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	s, err := global.query(ctx, `ALERTS`)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 0 {
		t.Errorf("alerts pending or firing on the default traffic: %v", s)
	}
}
