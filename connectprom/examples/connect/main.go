// Command connect runs a connect-go Greeter handler and a connect-go
// client that calls it in a loop, both instrumented with connectprom, and
// serves their metrics for Prometheus to scrape. The series are those of
// the grpc-go example (examples/helloworld), so the Prometheus
// configuration, rules and Grafana dashboard in monitoring/ work unchanged
// (only the message-size panels stay empty: interceptors do not see sizes).
//
// Usage:
//
//	go run ./examples/connect [-addr 127.0.0.1:50051] [-metrics-addr 127.0.0.1:50052] [-interval 200ms] [-duration 0]
//
// from the connectprom directory. The client speaks the gRPC protocol over
// h2c; the handler also answers gRPC-Web and Connect.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// config is what the flags set.
type config struct {
	addr, metricsAddr  string
	interval, duration time.Duration
}

func main() {
	var cfg config
	fs := flag.NewFlagSet(os.Args[0], flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:50051", "address of the connect handler")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", "127.0.0.1:50052", "address of the /metrics endpoint")
	fs.DurationVar(&cfg.interval, "interval", 200*time.Millisecond, "pause between two rounds of client traffic")
	fs.DurationVar(&cfg.duration, "duration", 0, "stop after this long; 0 runs until SIGINT or SIGTERM")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	if err := run(ctx, cfg, func(addr, metrics string) {
		fmt.Printf("connect handler on %s, metrics on http://%s/metrics\n", addr, metrics)
	}); err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(1)
	}
}
