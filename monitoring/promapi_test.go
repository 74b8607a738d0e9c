package monitoring

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// promAPI is a minimal client of the Prometheus HTTP API.
type promAPI struct {
	base   string // e.g. http://127.0.0.1:9090
	client *http.Client
}

func newPromAPI(addr string) *promAPI {
	return &promAPI{base: "http://" + addr, client: &http.Client{Timeout: 5 * time.Second}}
}

// sample is one series of a query result: its labels and its value (the
// last one for a range vector), as Prometheus formats it.
type sample struct {
	Labels map[string]string
	Value  string
}

// query evaluates expr at the current time with /api/v1/query. Vectors,
// matrices and scalars are returned as samples; a scalar has no labels.
func (a *promAPI) query(ctx context.Context, expr string) ([]sample, error) {
	return a.queryAt(ctx, expr, "")
}

// queryAt evaluates expr at the Unix time ts, or now if ts is "".
func (a *promAPI) queryAt(ctx context.Context, expr, ts string) ([]sample, error) {
	params := url.Values{"query": {expr}}
	if ts != "" {
		params.Set("time", ts)
	}
	u := a.base + "/api/v1/query?" + params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("build query request: %w", err)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("query %q: read response: %w", expr, err)
	}
	var r struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("query %q: %s: decode response: %w", expr, resp.Status, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query %q: %s: %s: %s", expr, resp.Status, r.ErrorType, r.Error)
	}
	samples, err := decodeResult(r.Data.ResultType, r.Data.Result)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	return samples, nil
}

// point is a [timestamp, "value"] pair of the API.
type point [2]any

func (p point) value() string {
	s, _ := p[1].(string)
	return s
}

// decodeResult decodes the result of a query of the given result type.
func decodeResult(resultType string, raw json.RawMessage) ([]sample, error) {
	switch resultType {
	case "vector":
		var v []struct {
			Metric map[string]string `json:"metric"`
			Value  point             `json:"value"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("decode vector: %w", err)
		}
		out := make([]sample, 0, len(v))
		for _, s := range v {
			out = append(out, sample{Labels: s.Metric, Value: s.Value.value()})
		}
		return out, nil
	case "matrix":
		var m []struct {
			Metric map[string]string `json:"metric"`
			Values []point           `json:"values"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("decode matrix: %w", err)
		}
		out := make([]sample, 0, len(m))
		for _, s := range m {
			if len(s.Values) > 0 {
				out = append(out, sample{Labels: s.Metric, Value: s.Values[len(s.Values)-1].value()})
			}
		}
		return out, nil
	case "scalar":
		var p point
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("decode scalar: %w", err)
		}
		return []sample{{Value: p.value()}}, nil
	default:
		return nil, fmt.Errorf("unsupported result type %q", resultType)
	}
}

// ruleState is one rule of /api/v1/rules.
type ruleState struct {
	Name           string `json:"name"`
	Type           string `json:"type"`
	Health         string `json:"health"`
	LastError      string `json:"lastError"`
	LastEvaluation string `json:"lastEvaluation"`
}

// rules returns every rule Prometheus has loaded, with its health.
func (a *promAPI) rules(ctx context.Context) ([]ruleState, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/api/v1/rules", nil)
	if err != nil {
		return nil, fmt.Errorf("build rules request: %w", err)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Groups []struct {
				Rules []ruleState `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("rules: %s: decode response: %w", resp.Status, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("rules: status %q", r.Status)
	}
	var out []ruleState
	for _, g := range r.Data.Groups {
		out = append(out, g.Rules...)
	}
	return out, nil
}
