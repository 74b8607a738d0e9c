// Package monitoring holds helpers for the Prometheus rules and the Grafana
// dashboard shipped in this directory for the metrics exported by grpcprom.
package monitoring

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Query is one query of a Grafana dashboard panel.
type Query struct {
	// Panel is the title of the panel the query belongs to.
	Panel string
	// RefID is the refId of the panel target, e.g. "A".
	RefID string
	// Expr is the PromQL expression of the target with the template
	// variables substituted.
	Expr string
}

// dashboard is the part of a Grafana dashboard model that DashboardQueries
// reads.
type dashboard struct {
	Panels []panel `json:"panels"`
	// Rows is the layout of dashboards older than schema version 16.
	Rows []struct {
		Panels []panel `json:"panels"`
	} `json:"rows"`
}

// panel is a Grafana panel. Rows are panels too; a collapsed row keeps its
// panels in Panels.
type panel struct {
	Title   string   `json:"title"`
	Targets []target `json:"targets"`
	Panels  []panel  `json:"panels"`
}

// target is one query of a panel.
type target struct {
	RefID string `json:"refId"`
	Expr  string `json:"expr"`
}

// variableRef matches the Grafana template variable syntaxes $name,
// ${name}, ${name:format} and [[name]] / [[name:format]]. Names are
// matched greedily, as Grafana does: $job_name refers to "job_name", never
// to "job" followed by "_name".
var variableRef = regexp.MustCompile(`\$(\w+)|\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::\w+)?\]\]`)

// DashboardQueries parses a Grafana dashboard JSON model and returns the
// expression of every panel target, in the order of the model, including
// the panels of rows (collapsed rows keep their panels nested) and of the
// legacy "rows" layout. Targets without an expression, such as those of
// other data source types, are skipped.
//
// Template variables in the expressions are replaced by their value in
// vars, keyed by name without the leading "$": $name, ${name},
// ${name:format} and [[name]] are all replaced by vars[name]. The format
// part is ignored and the value is inserted as is, so pass values already
// in the form the query needs (for a regex matcher "a|b" or ".*"). Built-in
// variables such as $__rate_interval are substituted the same way when
// vars has them (vars["__rate_interval"] = "1m"). References to names
// missing from vars are left unchanged. Substitution is a single pass:
// values are not expanded again.
func DashboardQueries(dashboardJSON []byte, vars map[string]string) ([]Query, error) {
	var d dashboard
	if err := json.Unmarshal(dashboardJSON, &d); err != nil {
		return nil, fmt.Errorf("parse dashboard JSON: %w", err)
	}
	var queries []Query
	for _, p := range d.Panels {
		queries = appendQueries(queries, p, vars)
	}
	for _, r := range d.Rows {
		for _, p := range r.Panels {
			queries = appendQueries(queries, p, vars)
		}
	}
	return queries, nil
}

// appendQueries appends the queries of p and of the panels nested in it.
func appendQueries(queries []Query, p panel, vars map[string]string) []Query {
	for _, t := range p.Targets {
		if strings.TrimSpace(t.Expr) == "" {
			continue
		}
		queries = append(queries, Query{
			Panel: p.Title,
			RefID: t.RefID,
			Expr:  substitute(t.Expr, vars),
		})
	}
	for _, child := range p.Panels {
		queries = appendQueries(queries, child, vars)
	}
	return queries
}

// substitute replaces the template variable references in s that name a
// key of vars by its value.
func substitute(s string, vars map[string]string) string {
	return variableRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := variableRef.FindStringSubmatch(ref)
		for _, name := range m[1:] {
			if name == "" {
				continue
			}
			if v, ok := vars[name]; ok {
				return v
			}
			break
		}
		return ref
	})
}
