package monitoring

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// dashboardPath is the dashboard shipped with the repository.
var dashboardPath = filepath.Join("..", "monitoring", "grafana", "grpc-dashboard.json")

// filter is the label filter every selector of the dashboard must carry,
// but those of jobFiltered.
const filter = `job=~"$job", grpc_service=~"$service", grpc_method=~"$method"`

// jobFiltered are the families without grpc_service and grpc_method
// labels, the connection metrics: their selectors filter by job only, so
// that picking a service or method does not empty their panels.
var jobFiltered = map[string]bool{
	"grpc_server_open_connections":  true,
	"grpc_server_connections_total": true,
	"grpc_client_open_connections":  true,
	"grpc_client_connections_total": true,
}

// selector matches a series selector in an expression: the metric name
// and what follows its opening brace.
var selector = regexp.MustCompile(`(\w*)\{([^}]*)\}`)

// checkSelectors reports the selectors of expr that do not start with
// their filter: {job=~"$job"} for jobFiltered families, filter for the
// others. It also reports an expression without selectors, and returns
// whether expr selects only jobFiltered families.
func checkSelectors(expr string) (jobOnly bool, problems []string) {
	matches := selector.FindAllStringSubmatch(expr, -1)
	if len(matches) == 0 || len(matches) != strings.Count(expr, "{") {
		return false, []string{"selectors without a metric name or none at all"}
	}
	jobOnly = true
	for _, m := range matches {
		want := filter
		if jobFiltered[m[1]] {
			want = `job=~"$job"`
		} else {
			jobOnly = false
		}
		// A family without the labels matches a filter on them only
		// when "All" is picked: it must not be filtered by them.
		method := jobFiltered[m[1]] && strings.Contains(m[2], "grpc_")
		if m[1] == "" || method || !(m[2] == want || strings.HasPrefix(m[2], want+", ")) {
			problems = append(problems, fmt.Sprintf("selector %s{%s} must start with {%s}", m[1], m[2], want))
		}
	}
	return jobOnly, problems
}

// rawDashboard is the part of the dashboard model the file checks look at.
type rawDashboard struct {
	UID           string     `json:"uid"`
	Title         string     `json:"title"`
	SchemaVersion int        `json:"schemaVersion"`
	Panels        []rawPanel `json:"panels"`
	Templating    struct {
		List []rawVariable `json:"list"`
	} `json:"templating"`
}

type rawDatasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type rawPanel struct {
	ID         int            `json:"id"`
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Datasource *rawDatasource `json:"datasource"`
	Targets    []struct {
		RefID      string         `json:"refId"`
		Expr       string         `json:"expr"`
		Format     string         `json:"format"`
		Datasource *rawDatasource `json:"datasource"`
	} `json:"targets"`
	Panels []rawPanel `json:"panels"`
}

type rawVariable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Definition string          `json:"definition"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   string          `json:"allValue"`
}

// flatten returns the panels in document order, rows and their nested
// panels included.
func flatten(panels []rawPanel) []rawPanel {
	var out []rawPanel
	for _, p := range panels {
		out = append(out, p)
		out = append(out, flatten(p.Panels)...)
	}
	return out
}

func readDashboard(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatalf("read dashboard: %v", err)
	}
	return b
}

func TestDashboardFile(t *testing.T) {
	var d rawDashboard
	if err := json.Unmarshal(readDashboard(t), &d); err != nil {
		t.Fatalf("parse %s: %v", dashboardPath, err)
	}
	if d.UID != "grpcprom" || d.Title != "gRPC (grpcprom)" {
		t.Errorf("uid, title = %q, %q; want %q, %q", d.UID, d.Title, "grpcprom", "gRPC (grpcprom)")
	}
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion = %d, want a current one", d.SchemaVersion)
	}

	wantVars := []struct {
		name, typ, query string
		multi            bool
	}{
		{"datasource", "datasource", "prometheus", false},
		{"job", "query", `label_values(grpc_server_started_total, job)`, false},
		{"service", "query", `label_values(grpc_server_started_total{job=~"$job"}, grpc_service)`, true},
		{"method", "query", `label_values(grpc_server_started_total{job=~"$job", grpc_service=~"$service"}, grpc_method)`, true},
	}
	if len(d.Templating.List) != len(wantVars) {
		t.Fatalf("got %d template variables, want %d", len(d.Templating.List), len(wantVars))
	}
	for i, w := range wantVars {
		v := d.Templating.List[i]
		if v.Name != w.name || v.Type != w.typ {
			t.Errorf("variable %d = %s (%s), want %s (%s)", i, v.Name, v.Type, w.name, w.typ)
			continue
		}
		var query string
		if v.Type == "datasource" {
			if err := json.Unmarshal(v.Query, &query); err != nil {
				t.Errorf("variable %s: query: %v", v.Name, err)
			}
		} else {
			var q struct {
				Query string `json:"query"`
			}
			if err := json.Unmarshal(v.Query, &q); err != nil {
				t.Errorf("variable %s: query: %v", v.Name, err)
			}
			query = q.Query
			if v.Definition != query {
				t.Errorf("variable %s: definition %q differs from query %q", v.Name, v.Definition, query)
			}
		}
		if query != w.query {
			t.Errorf("variable %s: query = %q, want %q", v.Name, query, w.query)
		}
		if v.Multi != w.multi || v.IncludeAll != w.multi {
			t.Errorf("variable %s: multi, includeAll = %t, %t; want %t", v.Name, v.Multi, v.IncludeAll, w.multi)
		}
		if w.multi && v.AllValue != ".*" {
			t.Errorf("variable %s: allValue = %q, want %q", v.Name, v.AllValue, ".*")
		}
	}

	want := rawDatasource{Type: "prometheus", UID: "${datasource}"}
	rangeRef := regexp.MustCompile(`\[[^\]]*\]`)
	ids := map[int]bool{}
	rawExprs := map[string]string{}
	targets := 0
	for _, p := range flatten(d.Panels) {
		if ids[p.ID] {
			t.Errorf("panel %q: duplicate id %d", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || *p.Datasource != want {
			t.Errorf("panel %q: datasource = %+v, want %+v", p.Title, p.Datasource, want)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no target", p.Title)
		}
		refIDs := map[string]bool{}
		for _, tg := range p.Targets {
			targets++
			rawExprs[p.Title+"/"+tg.RefID] = tg.Expr
			if tg.RefID == "" || refIDs[tg.RefID] {
				t.Errorf("panel %q: missing or duplicate refId %q", p.Title, tg.RefID)
			}
			refIDs[tg.RefID] = true
			if tg.Datasource == nil || *tg.Datasource != want {
				t.Errorf("panel %q target %s: datasource = %+v, want %+v", p.Title, tg.RefID, tg.Datasource, want)
			}
			if _, problems := checkSelectors(tg.Expr); len(problems) > 0 {
				t.Errorf("panel %q target %s: %s: %s", p.Title, tg.RefID, strings.Join(problems, "; "), tg.Expr)
			}
			for _, r := range rangeRef.FindAllString(tg.Expr, -1) {
				if r != "[$__rate_interval]" {
					t.Errorf("panel %q target %s: range %s, want [$__rate_interval]", p.Title, tg.RefID, r)
				}
			}
			if p.Type == "heatmap" && tg.Format != "heatmap" {
				t.Errorf("panel %q target %s: format = %q, want heatmap", p.Title, tg.RefID, tg.Format)
			}
		}
	}

	vars := map[string]string{
		"datasource":      "prometheus",
		"job":             "helloworld",
		"service":         ".*",
		"method":          "SayHello|SayHelloBidiStream",
		"__rate_interval": "20s",
	}
	queries, err := DashboardQueries(readDashboard(t), vars)
	if err != nil {
		t.Fatalf("DashboardQueries: %v", err)
	}
	if len(queries) != targets {
		t.Errorf("DashboardQueries returned %d queries, the dashboard has %d targets", len(queries), targets)
	}
	for _, q := range queries {
		if strings.Contains(q.Expr, "$") {
			t.Errorf("panel %q target %s: variable left after substitution: %s", q.Panel, q.RefID, q.Expr)
		}
		want := `job=~"helloworld", grpc_service=~".*", grpc_method=~"SayHello|SayHelloBidiStream"`
		if jobOnly, _ := checkSelectors(rawExprs[q.Panel+"/"+q.RefID]); jobOnly {
			want = `{job=~"helloworld"}`
		}
		if !strings.Contains(q.Expr, want) {
			t.Errorf("panel %q target %s: filter not substituted: %s", q.Panel, q.RefID, q.Expr)
		}
	}
}

func TestDashboardQueries(t *testing.T) {
	vars := map[string]string{
		"job":             "helloworld",
		"job_name":        "other",
		"service":         "helloworld.Greeter",
		"method":          "SayHello",
		"__rate_interval": "1m",
		"dollar":          "$job",
	}
	tests := []struct {
		name string
		json string
		want []Query
	}{
		{
			name: "variable syntaxes",
			json: `{"panels": [{"title": "RPS", "targets": [
				{"refId": "A", "expr": "rate(x{job=~\"$job\", grpc_service=~\"${service}\", grpc_method=~\"${method:regex}\"}[$__rate_interval])"},
				{"refId": "B", "expr": "sum(y{job=\"[[job]]\"}) by (grpc_code)"}
			]}]}`,
			want: []Query{
				{Panel: "RPS", RefID: "A", Expr: `rate(x{job=~"helloworld", grpc_service=~"helloworld.Greeter", grpc_method=~"SayHello"}[1m])`},
				{Panel: "RPS", RefID: "B", Expr: `sum(y{job="helloworld"}) by (grpc_code)`},
			},
		},
		{
			name: "longest name, unknown names and values are not expanded again",
			json: `{"panels": [{"title": "P", "targets": [
				{"refId": "A", "expr": "$job_name $job $jobs ${nope} $__interval $dollar x{a=~\"b$\"}"}
			]}]}`,
			want: []Query{
				{Panel: "P", RefID: "A", Expr: `other helloworld $jobs ${nope} $__interval $job x{a=~"b$"}`},
			},
		},
		{
			name: "rows, collapsed rows and targets without expression",
			json: `{"panels": [
				{"type": "row", "title": "Server", "collapsed": false, "panels": []},
				{"type": "timeseries", "title": "First", "targets": [{"refId": "A", "expr": "a"}, {"refId": "B"}]},
				{"type": "row", "title": "Client", "collapsed": true, "panels": [
					{"type": "timeseries", "title": "Nested", "targets": [{"refId": "A", "expr": "b{job=\"$job\"}"}, {"refId": "B", "expr": "c"}]}
				]},
				{"type": "text", "title": "Notes"}
			]}`,
			want: []Query{
				{Panel: "First", RefID: "A", Expr: "a"},
				{Panel: "Nested", RefID: "A", Expr: `b{job="helloworld"}`},
				{Panel: "Nested", RefID: "B", Expr: "c"},
			},
		},
		{
			name: "legacy rows layout",
			json: `{"rows": [{"title": "Old", "panels": [{"title": "Legacy", "targets": [{"refId": "A", "expr": "up{job=\"$job\"}"}]}]}]}`,
			want: []Query{
				{Panel: "Legacy", RefID: "A", Expr: `up{job="helloworld"}`},
			},
		},
		{
			name: "no panels",
			json: `{"title": "empty"}`,
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DashboardQueries([]byte(tt.json), vars)
			if err != nil {
				t.Fatalf("DashboardQueries: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DashboardQueries =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestDashboardQueriesNilVars(t *testing.T) {
	got, err := DashboardQueries([]byte(`{"panels": [{"title": "P", "targets": [{"refId": "A", "expr": "x[$__rate_interval]"}]}]}`), nil)
	if err != nil {
		t.Fatalf("DashboardQueries: %v", err)
	}
	want := []Query{{Panel: "P", RefID: "A", Expr: "x[$__rate_interval]"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DashboardQueries = %q, want %q", got, want)
	}
}

func TestDashboardQueriesErrors(t *testing.T) {
	t.Run("invalid JSON", func(t *testing.T) {
		_, err := DashboardQueries([]byte(`{"panels": [`), nil)
		var syntaxErr *json.SyntaxError
		if err == nil || !strings.HasPrefix(err.Error(), "parse dashboard JSON: ") || !errors.As(err, &syntaxErr) {
			t.Errorf("err = %v, want a wrapped *json.SyntaxError", err)
		}
	})
	t.Run("wrong type", func(t *testing.T) {
		_, err := DashboardQueries([]byte(`{"panels": [{"title": "P", "targets": [{"refId": "A", "expr": 42}]}]}`), nil)
		var typeErr *json.UnmarshalTypeError
		if err == nil || !strings.HasPrefix(err.Error(), "parse dashboard JSON: ") || !errors.As(err, &typeErr) {
			t.Errorf("err = %v, want a wrapped *json.UnmarshalTypeError", err)
		}
	})
	t.Run("empty input", func(t *testing.T) {
		if _, err := DashboardQueries(nil, nil); err == nil {
			t.Error("err = nil, want an error")
		}
	})
}

func TestCheckSelectors(t *testing.T) {
	for _, tt := range []struct {
		expr     string
		jobOnly  bool
		problems int
	}{
		{`sum(rate(grpc_server_started_total{` + filter + `}[$__rate_interval]))`, false, 0},
		{`sum(rate(grpc_server_handled_total{` + filter + `, grpc_code!="OK"}[$__rate_interval]))`, false, 0},
		{`sum by (instance) (grpc_server_open_connections{job=~"$job"})`, true, 0},
		{`grpc_client_open_connections{` + filter + `}`, true, 1},
		{`grpc_server_started_total{job=~"$job"}`, false, 1},
		{`a{` + filter + `} / grpc_server_connections_total{job=~"$job"}`, false, 0},
		{`{__name__="grpc_server_started_total", ` + filter + `}`, false, 1},
		{`vector(1)`, false, 1},
	} {
		jobOnly, problems := checkSelectors(tt.expr)
		if jobOnly != tt.jobOnly || len(problems) != tt.problems {
			t.Errorf("checkSelectors(%s) = %t, %q; want %t and %d problems", tt.expr, jobOnly, problems, tt.jobOnly, tt.problems)
		}
	}
}
