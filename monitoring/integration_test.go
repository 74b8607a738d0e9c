package monitoring

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// job is the scrape job of the example in the generated configuration.
	job = "helloworld"
)

// The rules files: recording rules to evaluate where the raw series are,
// and alerts that read only recorded series.
var (
	recordingFiles = []string{"prometheus/rules.yml", "prometheus/slo-rules.yml"}
	alertFiles     = []string{"prometheus/alerts.yml", "prometheus/slo-alerts.yml"}
	// fastFiles is the test-only profile of the SLO rules, windows / 60.
	fastFiles = []string{"testdata/slo-fast/slo-rules.yml", "testdata/slo-fast/slo-alerts.yml"}
)

// grpcTypes are the values of the grpc_type label.
var grpcTypes = []string{"bidi_stream", "client_stream", "server_stream", "unary"}

// TestPromtoolRules checks every rules file with promtool and runs every
// promtool test file, the generated SLO tests of both profiles included.
func TestPromtoolRules(t *testing.T) {
	promtool := requireTool(t, "promtool")
	files := append(append(append([]string{}, recordingFiles...), alertFiles...), fastFiles...)
	runTool(t, "", promtool, append([]string{"check", "rules"}, files...)...)
	for _, test := range []struct{ dir, file string }{
		{"prometheus", "rules_test.yml"},
		{"prometheus", "slo_test.yml"},
		{"prometheus", "slo_long_test.yml"},
		{"testdata/slo-fast", "slo_test.yml"},
	} {
		t.Run(test.dir+"/"+test.file, func(t *testing.T) {
			t.Parallel()
			runTool(t, test.dir, promtool, "test", "rules", test.file)
		})
	}
}

// runTool runs path with args in dir and fails the test if it fails.
func runTool(t *testing.T, dir, path string, args ...string) {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(path), strings.Join(args, " "), err, out)
	}
}

// TestRealPrometheus runs the helloworld example twice, once with each
// front end, and a real Prometheus that scrapes both as one job and
// evaluates the rules, then checks that the recording rules and every
// query of the Grafana dashboard return data. Both front ends are needed:
// only the stats handler sees message sizes, and only the interceptors see
// panics and record calls beside attempts.
func TestRealPrometheus(t *testing.T) {
	prometheus := requireTool(t, "prometheus")
	tmp := t.TempDir()
	helloworld := buildExample(t, tmp)
	stats, statsAddr := startExample(t, helloworld, "helloworld -frontend stats", "-frontend", "stats")
	icpt, icptAddr := startExample(t, helloworld, "helloworld -frontend interceptors", "-frontend", "interceptors")

	webAddr := freeAddr(t)
	rules := absPaths(t, append(append([]string{}, recordingFiles...), alertFiles...))
	config := filepath.Join(tmp, "prometheus.yml")
	if err := os.WriteFile(config, []byte(prometheusConfig(rules, statsAddr, icptAddr)), 0o644); err != nil {
		t.Fatalf("write Prometheus configuration: %v", err)
	}
	start := time.Now()
	server := startProcess(t, "prometheus", prometheus,
		"--config.file="+config,
		"--storage.tsdb.path="+filepath.Join(tmp, "data"),
		"--web.listen-address="+webAddr,
		"--log.level=warn")
	procs := []*process{stats, icpt, server}
	api := newPromAPI(webAddr)

	up := []check{{expr: fmt.Sprintf(`count(up{job=%q} == 1)`, job), want: value("2")}}
	if err := poll(t.Context(), api, procs, start.Add(60*time.Second), up); err != nil {
		t.Fatalf("Prometheus did not scrape the example: %v", err)
	}
	t.Logf("Prometheus scrapes the example after %v", time.Since(start).Round(time.Millisecond))

	checks, err := dataChecks()
	if err != nil {
		t.Fatal(err)
	}
	if err := poll(t.Context(), api, procs, start.Add(90*time.Second), checks); err != nil {
		t.Fatalf("queries without the expected data: %v", err)
	}
	t.Logf("%d queries returned data after %v", len(checks), time.Since(start).Round(time.Millisecond))
}

// prometheusConfig returns a configuration that evaluates the rules files
// and scrapes the examples at targets every second.
func prometheusConfig(rules []string, targets ...string) string {
	return fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
%s
scrape_configs:
%s`, yamlList(rules, "  "), scrapeConfig(job, targets...))
}

// yamlList formats items as a YAML block list of quoted strings, indented.
func yamlList(items []string, indent string) string {
	var b strings.Builder
	for i, item := range items {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s- %q", indent, item)
	}
	return b.String()
}

// absPaths returns the absolute paths of files relative to this directory.
func absPaths(t *testing.T, files []string) []string {
	t.Helper()
	out := make([]string, len(files))
	for i, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatalf("absolute path of %s: %v", f, err)
		}
		out[i] = abs
	}
	return out
}

// dataChecks returns the queries that must return data once Prometheus
// has scraped the example a few times.
func dataChecks() ([]check, error) {
	var checks []check
	for _, side := range []string{"server", "client"} {
		checks = append(checks, check{
			expr: fmt.Sprintf(`count by (grpc_type) (grpc_%s_started_total{job=%q} > 0)`, side, job),
			want: allGRPCTypes,
		})
	}
	checks = append(checks, check{
		expr: fmt.Sprintf(`histogram_quantile(0.99, sum by (le) (rate(grpc_server_handling_seconds_bucket{job=%q}[1m])))`, job),
		want: finite,
	})
	// What issue 12 added to the example: a recovered panic counted by the
	// interceptors, conflicts retried once, one connection open on each
	// side of each example, and no series for the health checks.
	checks = append(checks,
		check{expr: fmt.Sprintf(`sum(grpc_server_panics_total{job=%q}) > 0`, job), want: nonEmpty},
		check{
			expr: fmt.Sprintf(`grpc_service_method_type:grpc_client_retries_per_call:ratio_rate5m{job=%q, grpc_method="SayHelloUnaryStream"} > 0`, job),
			want: nonEmpty,
		},
		check{expr: fmt.Sprintf(`count(grpc_server_open_connections{job=%q} == 1)`, job), want: value("2")},
		check{expr: fmt.Sprintf(`count(grpc_client_open_connections{job=%q} == 1)`, job), want: value("2")},
		check{expr: fmt.Sprintf(`count({job=%q, grpc_service=~"grpc[.]health.*"})`, job), want: empty},
	)

	var names []string
	for _, f := range recordingFiles {
		n, err := recordingRules(f)
		if err != nil {
			return nil, err
		}
		names = append(names, n...)
	}
	for _, name := range names {
		checks = append(checks, check{expr: fmt.Sprintf(`%s{job=%q}`, name, job), want: nonEmpty})
	}

	dashboard, err := os.ReadFile(filepath.Join("grafana", "grpc-dashboard.json"))
	if err != nil {
		return nil, fmt.Errorf("read dashboard: %w", err)
	}
	queries, err := DashboardQueries(dashboard, map[string]string{
		"datasource":      "prometheus",
		"job":             job,
		"service":         ".*",
		"method":          ".*",
		"__rate_interval": "1m",
		"__interval":      "15s",
		"__range":         "5m",
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard queries: %w", err)
	}
	if len(queries) == 0 {
		return nil, fmt.Errorf("the dashboard has no queries")
	}
	for _, q := range queries {
		checks = append(checks, check{
			name: fmt.Sprintf("panel %q %s", q.Panel, q.RefID),
			expr: q.Expr,
			want: nonEmpty,
		})
	}
	return checks, nil
}

// recordingRules returns the names of the recording rules of a rules file,
// found by their "- record: NAME" lines.
func recordingRules(path string) ([]string, error) {
	return ruleNames(path, "- record:")
}

// ruleNames returns the names of the rules of a rules file that are on
// lines starting with prefix, "- record:" or "- alert:".
func ruleNames(path, prefix string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if name, ok := strings.CutPrefix(line, prefix); ok {
			names = append(names, strings.Trim(strings.TrimSpace(name), `"'`))
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no %q rules in %s", prefix, path)
	}
	return names, nil
}

// check is a query and a condition on its result.
type check struct {
	name string // optional, where the query comes from
	expr string
	want func([]sample) error
}

func (c check) String() string {
	if c.name != "" {
		return c.name + ": " + c.expr
	}
	return c.expr
}

func nonEmpty(s []sample) error {
	if len(s) == 0 {
		return fmt.Errorf("empty result")
	}
	return nil
}

func empty(s []sample) error {
	if len(s) != 0 {
		return fmt.Errorf("want no result, got %v", s)
	}
	return nil
}

func allGRPCTypes(s []sample) error {
	got := make([]string, 0, len(s))
	for _, v := range s {
		got = append(got, v.Labels["grpc_type"])
	}
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(grpcTypes, ",") {
		return fmt.Errorf("grpc_type values %v, want %v", got, grpcTypes)
	}
	return nil
}

func finite(s []sample) error {
	if len(s) != 1 {
		return fmt.Errorf("%d series, want 1", len(s))
	}
	v, err := strconv.ParseFloat(s[0].Value, 64)
	if err != nil {
		return fmt.Errorf("parse value: %w", err)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("value %v is not finite", v)
	}
	return nil
}

// poll runs the checks every 500ms until all of them pass in the same
// round. It fails when deadline passes, listing the checks that failed in
// the last round, or when one of procs exits.
func poll(ctx context.Context, api *promAPI, procs []*process, deadline time.Time, checks []check) error {
	for {
		for _, p := range procs {
			if err := p.exited(); err != nil {
				return err
			}
		}
		var failed []string
		for _, c := range checks {
			s, err := api.query(ctx, c.expr)
			if err == nil {
				err = c.want(s)
			}
			if err != nil {
				failed = append(failed, fmt.Sprintf("%v\n    -> %v", c, err))
			}
		}
		if len(failed) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d checks still failing at the deadline:\n  %s",
				len(failed), len(checks), strings.Join(failed, "\n  "))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped polling: %w", ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}
