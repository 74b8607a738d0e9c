package main

import (
	"io"
	"log/slog"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

const greeterService = "helloworld.Greeter"

// TestTrafficSchedule runs a fixed number of traffic rounds against the
// example's server, with the example's metrics, retry policy and recovery
// interceptor, and checks the exact counts: health checks that succeed
// and leave no series, one retry per conflict round, one panic per panic
// round, and a connection open on each side.
func TestTrafficSchedule(t *testing.T) {
	const rounds = 25
	conflicts := roundsMatching(rounds, conflictRounds, conflictOffset)
	panics := roundsMatching(rounds, panicRounds, panicOffset)
	checks := roundsMatching(rounds, healthRounds, 0)
	expired := roundsMatching(rounds, deadlineRounds, deadlineRounds-1)
	if conflicts != 2 || panics != 1 || checks != 5 || expired != 5 {
		t.Fatalf("schedule of %d rounds: %d conflicts, %d panics, %d health checks, %d expired calls; want 2, 1, 5, 5",
			rounds, conflicts, panics, checks, expired)
	}
	for _, frontEnd := range []string{frontEndInterceptors, frontEndStats} {
		t.Run(frontEnd, func(t *testing.T) {
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			reg := prometheus.NewPedanticRegistry()
			sm, cm := newServerMetrics(), newClientMetrics()
			reg.MustRegister(sm, cm)
			srv, err := newServer(sm, frontEnd, 0, logger)
			if err != nil {
				t.Fatal(err)
			}
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(lis) }()
			defer func() {
				srv.Stop()
				if err := <-served; err != nil {
					t.Errorf("Serve: %v", err)
				}
			}()
			opts, err := clientOptions(cm, frontEnd)
			if err != nil {
				t.Fatal(err)
			}
			conn, err := dial(lis.Addr().String(), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()

			tr := newTraffic(conn, 0, logger)
			for range rounds {
				tr.runRound(t.Context())
			}
			if got := tr.healthy.Load(); got != int64(checks) {
				t.Errorf("%d health checks answered SERVING, want %d", got, checks)
			}

			s := series(t, reg)
			for k := range s {
				if strings.Contains(k, "grpc.health.v1") {
					t.Errorf("health check series: %s", k)
				}
			}
			stream := []string{"server_stream", greeterService, "SayHelloUnaryStream"}
			unary := []string{"unary", greeterService, "SayHello"}
			want := map[string]float64{
				// The server sees every attempt: a conflict's first
				// fails with Aborted, its retry succeeds.
				key("grpc_server_started_total", stream...):                    rounds + float64(conflicts),
				key("grpc_server_handled_total", append(stream, "Aborted")...): float64(conflicts),
				key("grpc_server_handled_total", append(stream, "OK")...):      rounds,
				// One panic, handled as Internal, the only server error.
				key("grpc_server_handled_total", append(unary, "Internal")...): float64(panics),
				key("grpc_server_open_connections"):                            1,
				key("grpc_server_connections_total"):                           1,
				key("grpc_client_open_connections"):                            1,
				key("grpc_client_connections_total"):                           1,
			}
			if frontEnd == frontEndInterceptors {
				// Calls and attempts apart: one retry per conflict.
				want[key("grpc_client_started_total", stream...)] = rounds
				want[key("grpc_client_attempt_started_total", stream...)] = rounds + float64(conflicts)
				want[key("grpc_client_handled_total", append(stream, "OK")...)] = rounds
				want[key("grpc_client_attempt_handled_total", append(stream, "Aborted")...)] = float64(conflicts)
				want[key("grpc_client_attempt_handled_total", append(stream, "OK")...)] = rounds
				want[key("grpc_server_panics_total", unary...)] = float64(panics)
				want[key("grpc_server_panics_total", stream...)] = 0
			} else {
				// The stats handler records each attempt as a call, and
				// cannot see panics.
				want[key("grpc_client_started_total", stream...)] = rounds + float64(conflicts)
				want[key("grpc_client_handled_total", append(stream, "Aborted")...)] = float64(conflicts)
				want[key("grpc_client_handled_total", append(stream, "OK")...)] = rounds
				want[key("grpc_server_panics_total", unary...)] = 0
			}
			for k, v := range want {
				if got, ok := s[k]; !ok || got != v {
					t.Errorf("%s = %v (present %t), want %v", k, got, ok, v)
				}
			}
			if _, ok := s[key("grpc_client_handled_total", append(stream, "Aborted")...)]; ok && frontEnd == frontEndInterceptors {
				t.Errorf("a retried call is recorded as Aborted")
			}
			var errs float64
			for k, v := range s {
				for code := range serverErrorCodes {
					if strings.HasPrefix(k, "grpc_server_handled_total{") && strings.Contains(k, "grpc_code="+code+",") {
						errs += v
					}
				}
			}
			if errs != float64(panics) {
				t.Errorf("%v RPCs ended with a server error code, want %d, the panics", errs, panics)
			}
			// Every call made one attempt, but the retried ones, which
			// made two, and those whose deadline had passed, which gRPC
			// failed before their first attempt.
			if frontEnd == frontEndInterceptors {
				var calls, attempts float64
				for k, v := range s {
					switch {
					case strings.HasPrefix(k, "grpc_client_started_total{"):
						calls += v
					case strings.HasPrefix(k, "grpc_client_attempt_started_total{"):
						attempts += v
					}
				}
				if attempts-calls != float64(conflicts-expired) {
					t.Errorf("%v attempts for %v calls, want %d more (%d retries, %d calls without an attempt)",
						attempts, calls, conflicts-expired, conflicts, expired)
				}
			}

			// Both sides count their connection down once it closes.
			if err := conn.Close(); err != nil {
				t.Fatal(err)
			}
			srv.GracefulStop()
			for _, side := range []string{"server", "client"} {
				name := key("grpc_" + side + "_open_connections")
				deadline := time.Now().Add(5 * time.Second)
				for series(t, reg)[name] != 0 && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if got := series(t, reg)[name]; got != 0 {
					t.Errorf("%s = %v after close, want 0", name, got)
				}
			}
		})
	}
}

// TestPanicShareOfBudget checks the claim of panicRounds: with at least 7
// server RPCs per round, panics stay under 5% of a 99.9% budget.
func TestPanicShareOfBudget(t *testing.T) {
	const minRPCsPerRound = 7 // 4 SayHello and 3 streams
	share := 1 / float64(panicRounds*minRPCsPerRound) / 0.001
	if share >= 0.05 {
		t.Errorf("panics use %.1f%% of the budget, want under 5%%", 100*share)
	}
	tr := &traffic{}
	for round := range 100 {
		if n := len(tr.unaryNames(round)); n < 4 {
			t.Fatalf("round %d makes %d SayHello calls, want at least 4", round, n)
		}
	}
}

// roundsMatching counts the rounds r below n with r%every == offset.
func roundsMatching(n, every, offset int) int {
	c := 0
	for r := range n {
		if r%every == offset {
			c++
		}
	}
	return c
}

// key returns the key of series in the map series returns: the name and
// the grpc labels given as type, service, method and code, those that are
// given.
func key(name string, labels ...string) string {
	names := []string{"grpc_type", "grpc_service", "grpc_method", "grpc_code"}
	pairs := make([]string, len(labels))
	for i, v := range labels {
		pairs[i] = names[i] + "=" + v
	}
	sort.Strings(pairs)
	return name + "{" + strings.Join(pairs, ",") + ",}"
}

// series gathers reg and returns the value of every counter and gauge by
// key.
func series(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			pairs := make([]string, 0, len(m.GetLabel()))
			for _, l := range m.GetLabel() {
				pairs = append(pairs, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(pairs)
			k := mf.GetName() + "{" + strings.Join(pairs, ",") + ",}"
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[k] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[k] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[k] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}
