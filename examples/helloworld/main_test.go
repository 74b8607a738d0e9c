package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

var grpcTypes = []string{"unary", "client_stream", "server_stream", "bidi_stream"}

// TestRun runs the whole program, server and client, for two seconds on
// free ports and checks what its metrics endpoint serves meanwhile.
func TestRun(t *testing.T) {
	for _, frontEnd := range []string{frontEndInterceptors, frontEndStats} {
		t.Run(frontEnd, func(t *testing.T) {
			cfg := defaultConfig()
			cfg.GRPCAddr = "127.0.0.1:0"
			cfg.MetricsAddr = "127.0.0.1:0"
			cfg.Interval = 50 * time.Millisecond
			cfg.FrontEnd = frontEnd
			cfg.Duration = 2 * time.Second

			var out bytes.Buffer
			ready := make(chan endpoints, 1)
			done := make(chan error, 1)
			go func() { done <- run(t.Context(), cfg, &out, func(ep endpoints) { ready <- ep }) }()

			var ep endpoints
			select {
			case ep = <-ready:
			case err := <-done:
				t.Fatalf("run returned before it was ready: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("run did not get ready within 10s")
			}

			// Scrape until the metrics show everything or run stops.
			var problems []string
			for {
				samples, err := scrape(ep.MetricsURL)
				if err != nil {
					problems = []string{err.Error()}
				} else if problems = checkSamples(samples); len(problems) == 0 {
					break
				}
				select {
				case err := <-done:
					t.Fatalf("run ended (error: %v) before the metrics were complete:\n%s", err, strings.Join(problems, "\n"))
				case <-time.After(100 * time.Millisecond):
				}
			}
			checkOpenMetrics(t, ep.MetricsURL)
			if samples, err := scrape(ep.MetricsURL); err != nil {
				t.Error(err)
			} else {
				checkHealthy(t, samples, frontEnd)
			}

			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("run did not stop within 10s of its duration")
			}
			for _, want := range []string{ep.GRPCAddr, ep.MetricsURL, "mode both", "front end " + frontEnd} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output does not mention %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// checkSamples returns what the scraped samples lack: RPCs of every type
// started on both sides, a server RPC that ended with a code other than
// OK, and the traffic's first panic.
func checkSamples(samples []sample) []string {
	var problems []string
	for _, side := range []string{"server", "client"} {
		name := "grpc_" + side + "_started_total"
		for _, typ := range grpcTypes {
			if !hasSample(samples, name, func(s sample) bool { return s.labels["grpc_type"] == typ && s.value > 0 }) {
				problems = append(problems, fmt.Sprintf("no %s{grpc_type=%q} above zero", name, typ))
			}
		}
	}
	if !hasSample(samples, "grpc_server_handled_total", func(s sample) bool {
		return s.labels["grpc_code"] != "" && s.labels["grpc_code"] != "OK" && s.value > 0
	}) {
		problems = append(problems, "no grpc_server_handled_total with a grpc_code other than OK above zero")
	}
	if !hasSample(samples, "grpc_server_handled_total", func(s sample) bool {
		return s.labels["grpc_method"] == "SayHello" && s.labels["grpc_code"] == "Internal" && s.value > 0
	}) {
		problems = append(problems, "no SayHello handled as Internal: the first panic")
	}
	return problems
}

// serverErrorCodes are the codes the availability SLO in monitoring/
// counts as server errors.
var serverErrorCodes = map[string]bool{
	"Unknown": true, "DeadlineExceeded": true, "Unimplemented": true,
	"Internal": true, "Unavailable": true, "DataLoss": true,
}

// checkHealthy checks that the default traffic is healthy against the
// SLOs: no RPC ended with a server error code but the one panic of a
// two-second run, which the interceptors also count as a panic, and every
// unary RPC took at most 250 ms.
func checkHealthy(t *testing.T, samples []sample, frontEnd string) {
	t.Helper()
	var count, fast, panics float64
	for _, s := range samples {
		isPanic := s.labels["grpc_method"] == "SayHello" && s.labels["grpc_code"] == "Internal"
		switch {
		case s.name == "grpc_server_handled_total" && isPanic:
			if s.value != 1 {
				t.Errorf("%s%v = %v, want 1: the traffic's first panic", s.name, s.labels, s.value)
			}
		case s.name == "grpc_server_handled_total" && serverErrorCodes[s.labels["grpc_code"]] && s.value != 0:
			t.Errorf("default traffic has server errors: %s%v = %v", s.name, s.labels, s.value)
		case s.name == "grpc_server_panics_total":
			panics += s.value
		case s.name == "grpc_server_handling_seconds_count" && s.labels["grpc_type"] == "unary":
			count += s.value
		case s.name == "grpc_server_handling_seconds_bucket" && s.labels["grpc_type"] == "unary" && s.labels["le"] == "0.25":
			fast += s.value
		}
	}
	if count == 0 || fast != count {
		t.Errorf("unary RPCs: %v within 250 ms of %v, want all of them and more than none", fast, count)
	}
	// Only the interceptors see panics.
	if want := map[string]float64{frontEndInterceptors: 1, frontEndStats: 0}[frontEnd]; panics != want {
		t.Errorf("grpc_server_panics_total sums to %v with the %s front end, want %v", panics, frontEnd, want)
	}
}

func hasSample(samples []sample, name string, match func(sample) bool) bool {
	for _, s := range samples {
		if s.name == name && match(s) {
			return true
		}
	}
	return false
}

// checkOpenMetrics checks that the endpoint serves OpenMetrics to a
// scraper that asks for it.
func checkOpenMetrics(t *testing.T, url string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape in OpenMetrics format: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read OpenMetrics scrape: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Errorf("Content-Type = %q, want application/openmetrics-text", ct)
	}
	if !bytes.HasSuffix(body, []byte("# EOF\n")) {
		t.Error("OpenMetrics scrape does not end with # EOF")
	}
}

// sample is one line of the Prometheus text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape fetches url in the Prometheus text format and parses it.
func scrape(url string) ([]sample, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read scrape: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape: %s: %s", resp.Status, body)
	}
	return parseText(string(body))
}

// parseText parses the sample lines of the Prometheus text format,
// skipping comments.
func parseText(text string) ([]sample, error) {
	var samples []sample
	for i, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", i+1, line, err)
		}
		samples = append(samples, s)
	}
	return samples, nil
}

// parseLine parses `name{label="value",...} value [timestamp]`.
func parseLine(line string) (sample, error) {
	s := sample{labels: map[string]string{}}
	end := strings.IndexAny(line, "{ ")
	if end <= 0 {
		return s, errors.New("no metric name")
	}
	s.name, line = line[:end], line[end:]
	if strings.HasPrefix(line, "{") {
		line = line[1:]
		for !strings.HasPrefix(line, "}") {
			key, rest, ok := strings.Cut(line, `="`)
			if !ok {
				return s, errors.New("label without a quoted value")
			}
			value, rest, err := unquoteLabel(rest)
			if err != nil {
				return s, err
			}
			s.labels[strings.TrimSpace(key)] = value
			line = strings.TrimPrefix(rest, ",")
			if line == "" {
				return s, errors.New("unterminated label set")
			}
		}
		line = line[1:]
	}
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return s, errors.New("no value")
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return s, fmt.Errorf("value: %w", err)
	}
	s.value = v
	return s, nil
}

// unquoteLabel reads a label value up to its closing quote, undoing the
// text format's escapes, and returns it with the rest of the line.
func unquoteLabel(s string) (value, rest string, err error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), s[i+1:], nil
		case '\\':
			i++
			if i == len(s) {
				return "", "", errors.New("unterminated escape")
			}
			if s[i] == 'n' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated label value")
}

func TestParseLine(t *testing.T) {
	s, err := parseLine(`grpc_server_handled_total{grpc_code="NotFound",grpc_method="Say\"Hi\\",grpc_type="unary"} 3`)
	if err != nil {
		t.Fatal(err)
	}
	if s.name != "grpc_server_handled_total" || s.value != 3 ||
		s.labels["grpc_code"] != "NotFound" || s.labels["grpc_method"] != `Say"Hi\` || s.labels["grpc_type"] != "unary" {
		t.Errorf("parseLine = %+v", s)
	}
	if s, err := parseLine("go_goroutines 12 1700000000000"); err != nil || s.name != "go_goroutines" || s.value != 12 {
		t.Errorf("parseLine without labels = %+v, %v", s, err)
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags("helloworld", nil, io.Discard)
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if cfg != defaultConfig() {
		t.Errorf("defaults = %+v, want %+v", cfg, defaultConfig())
	}
	cfg, err = parseFlags("helloworld", []string{"-mode", "client", "-frontend", "stats", "-duration", "3s", "-interval", "1s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mode != modeClient || cfg.FrontEnd != frontEndStats || cfg.Duration != 3*time.Second || cfg.Interval != time.Second {
		t.Errorf("parsed = %+v", cfg)
	}
	cfg, err = parseFlags("helloworld", []string{"-fault-ratio", "0.5"}, io.Discard)
	if err != nil || cfg.FaultRatio != 0.5 {
		t.Errorf("-fault-ratio 0.5: %+v, %v", cfg, err)
	}
	for _, args := range [][]string{
		{"-fault-ratio", "-0.1"},
		{"-fault-ratio", "1.5"},
		{"-fault-ratio", "NaN"},
		{"-mode", "proxy"},
		{"-frontend", "both"},
		{"-duration", "-1s"},
		{"-interval", "-1s"},
		{"extra"},
	} {
		if _, err := parseFlags("helloworld", args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
}

func TestSayHelloCodes(t *testing.T) {
	for name, want := range map[string]codes.Code{
		"alice":    codes.OK,
		"error":    codes.InvalidArgument,
		"notfound": codes.NotFound,
		"internal": codes.Unknown,
	} {
		_, err := greeter{}.SayHello(t.Context(), &pb.HelloRequest{Name: name})
		if got := status.Code(err); got != want {
			t.Errorf("SayHello(%q) code = %v, want %v (error %v)", name, got, want, err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if _, err := (greeter{}).SayHello(ctx, &pb.HelloRequest{Name: "slow"}); status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("slow SayHello past its deadline: %v, want DeadlineExceeded", err)
	}
}

// TestFaultRatio checks that -fault-ratio 1 fails RPCs of every type with
// Unavailable before they do anything, and that ratio 0 fails none.
func TestFaultRatio(t *testing.T) {
	all := greeter{faultRatio: 1}
	errs := map[string]error{
		"SayHello":            func() error { _, err := all.SayHello(t.Context(), &pb.HelloRequest{Name: "alice"}); return err }(),
		"SayHelloUnaryStream": all.SayHelloUnaryStream(&pb.HelloRequest{Name: "alice"}, nil),
		"SayHelloStreamUnary": all.SayHelloStreamUnary(nil),
		"SayHelloBidiStream":  all.SayHelloBidiStream(nil),
	}
	for method, err := range errs {
		if status.Code(err) != codes.Unavailable {
			t.Errorf("%s with fault ratio 1: %v, want Unavailable", method, err)
		}
	}
	none := greeter{}
	for range 100 {
		if none.fault() {
			t.Fatal("fault ratio 0 injected a fault")
		}
	}
}
