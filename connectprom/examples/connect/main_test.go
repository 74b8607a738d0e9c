package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDashboardMetrics runs the example briefly and checks that every
// metric the Grafana dashboard in monitoring/ queries has series, but the
// message sizes and connections, which only grpc-go's stats handler sees,
// and attempts, since connect-go does not retry; and that the series carry
// the labels the dashboard groups by.
func TestDashboardMetrics(t *testing.T) {
	dash, err := os.ReadFile("../../../monitoring/grafana/grpc-dashboard.json")
	if err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`grpc_(?:server|client)_[a-z_]+`).FindAllString(string(dash), -1) {
		if !strings.Contains(m, "_size_bytes") && !strings.Contains(m, "connections") && !strings.Contains(m, "_attempt_") {
			names[strings.TrimSuffix(m, "_bucket")] = true
		}
	}
	if len(names) < 8 {
		t.Fatalf("only %d metrics found in the dashboard: %v", len(names), names)
	}

	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{addr: "127.0.0.1:0", metricsAddr: "127.0.0.1:0", interval: 20 * time.Millisecond},
			func(_, metrics string) { addrs <- metrics })
	}()
	metrics := <-addrs
	// Scrape while the example runs, until its traffic has covered
	// everything or a bound passes.
	var problems []string
	for deadline := time.Now().Add(15 * time.Second); ; {
		problems = missing(t, metrics, names)
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// missing scrapes the example and returns what the dashboard needs that
// is not there yet.
func missing(t *testing.T, metrics string, names map[string]bool) []string {
	t.Helper()
	resp, err := http.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	text := string(body)
	var out []string
	for name := range names {
		for _, typ := range []string{"unary", "server_stream", "client_stream", "bidi_stream"} {
			// Histograms are exposed as _bucket series.
			if !regexp.MustCompile(`(?m)^` + name + `(_bucket)?\{[^}]*grpc_type="` + typ + `"`).MatchString(text) {
				if typ == "unary" && strings.Contains(name, "_msg_") && strings.Contains(name, "handling_seconds") {
					continue // per-call stream histograms have no unary series
				}
				out = append(out, "no "+name+" series for "+typ)
			}
		}
	}
	for _, code := range []string{"OK", "NotFound", "Unknown", "Internal", "DeadlineExceeded", "Canceled"} {
		if !regexp.MustCompile(`(?m)^grpc_server_handled_total\{[^}]*grpc_code="`+code+`"[^}]*\} [1-9]`).MatchString(text) &&
			!regexp.MustCompile(`(?m)^grpc_client_handled_total\{[^}]*grpc_code="`+code+`"[^}]*\} [1-9]`).MatchString(text) {
			out = append(out, "no RPC handled with "+code)
		}
	}
	return out
}
