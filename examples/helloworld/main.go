// Command helloworld runs a Greeter gRPC server and a client that calls it
// in a loop, both instrumented with grpcprom, and serves their metrics for
// Prometheus to scrape.
//
// The server also serves the standard health service, which the client
// checks now and then; both sides leave those calls out of the metrics
// (WithoutHealthChecks). Both sides record their connections, and the
// client records each attempt beside each call (WithClientAttemptMetrics)
// under a retry policy that retries Unavailable and Aborted. A recovery
// interceptor turns handler panics into Internal errors; with
// -frontend interceptors, grpcprom counts them in grpc_server_panics_total.
//
// Usage:
//
//	go run ./examples/helloworld [flags]
//
// The flags are:
//
//	-mode both|server|client
//		What to run: the server, the client, or both in one process
//		(default both). The metrics endpoint serves the metrics of
//		whichever parts run.
//	-grpc-addr host:port
//		The address the server listens on and the client dials
//		(default 127.0.0.1:50051).
//	-metrics-addr host:port
//		The address of the HTTP server that serves /metrics
//		(default 127.0.0.1:50052).
//	-interval duration
//		The pause between two rounds of client traffic (default 200ms).
//	-frontend interceptors|stats
//		How the metrics are installed: gRPC interceptors or a gRPC stats
//		handler (default stats: only it sees message sizes).
//	-duration duration
//		Stop after this long; 0, the default, runs until SIGINT or
//		SIGTERM.
//	-fault-ratio ratio
//		Fail this fraction of all RPCs, from 0 to 1, with Unavailable
//		(default 0). Without it the traffic is healthy against the SLOs
//		in monitoring/; -fault-ratio 0.5 makes them page.
//	-debug
//		Log every failed client call. Most failures are on purpose: the
//		client asks for errors, slow answers, expired deadlines,
//		conflicts (Aborted, then retried), a panic and cancelled streams
//		so that every metric has something to show. None of them is a
//		server error but the panic (Internal), once in 3000 rounds, and
//		no answer is slower than 250 ms.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	cfg, err := parseFlags(os.Args[0], os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		// The flag package has already printed the problem and the usage.
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, cfg, os.Stdout, nil)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "helloworld:", err)
		os.Exit(1)
	}
}

// parseFlags turns the command line into a config. Problems are printed to
// output together with the usage.
func parseFlags(name string, args []string, output io.Writer) (config, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&cfg.Mode, "mode", cfg.Mode, "what to run: both, server or client")
	fs.StringVar(&cfg.GRPCAddr, "grpc-addr", cfg.GRPCAddr, "address the gRPC server listens on and the client dials")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr, "address of the HTTP server that serves /metrics")
	fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "pause between two rounds of client traffic")
	fs.StringVar(&cfg.FrontEnd, "frontend", cfg.FrontEnd, "how the metrics are installed: interceptors or stats")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "stop after this long; 0 runs until interrupted")
	fs.Float64Var(&cfg.FaultRatio, "fault-ratio", cfg.FaultRatio, "fraction of RPCs, 0 to 1, the server fails with Unavailable")
	fs.BoolVar(&cfg.Debug, "debug", cfg.Debug, "log every failed client call")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected arguments: %q", fs.Args())
		fmt.Fprintln(output, err)
		fs.Usage()
		return config{}, err
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintln(output, err)
		fs.Usage()
		return config{}, err
	}
	return cfg, nil
}

// defaultConfig returns the configuration the flags start from.
func defaultConfig() config {
	return config{
		Mode:        modeBoth,
		GRPCAddr:    "127.0.0.1:50051",
		MetricsAddr: "127.0.0.1:50052",
		Interval:    200 * time.Millisecond,
		FrontEnd:    frontEndStats,
	}
}
