package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
)

// The values of -mode.
const (
	modeBoth   = "both"
	modeServer = "server"
	modeClient = "client"
)

// The values of -frontend.
const (
	frontEndInterceptors = "interceptors"
	frontEndStats        = "stats"
)

// shutdownTimeout bounds how long the servers may take to finish the
// requests in progress once the program is asked to stop.
const shutdownTimeout = 5 * time.Second

// config is what the flags set.
type config struct {
	Mode        string
	GRPCAddr    string
	MetricsAddr string
	Interval    time.Duration
	FrontEnd    string
	Duration    time.Duration
	Debug       bool
	// FaultRatio is the fraction of RPCs the server fails with
	// Unavailable, from 0 (none, the default) to 1 (all).
	FaultRatio float64
}

func (c config) validate() error {
	switch c.Mode {
	case modeBoth, modeServer, modeClient:
	default:
		return fmt.Errorf("invalid -mode %q: want %s, %s or %s", c.Mode, modeBoth, modeServer, modeClient)
	}
	switch c.FrontEnd {
	case frontEndInterceptors, frontEndStats:
	default:
		return fmt.Errorf("invalid -frontend %q: want %s or %s", c.FrontEnd, frontEndInterceptors, frontEndStats)
	}
	if c.Interval < 0 {
		return fmt.Errorf("invalid -interval %v: must not be negative", c.Interval)
	}
	if c.Duration < 0 {
		return fmt.Errorf("invalid -duration %v: must not be negative", c.Duration)
	}
	if !(c.FaultRatio >= 0 && c.FaultRatio <= 1) {
		return fmt.Errorf("invalid -fault-ratio %v: want a number from 0 to 1", c.FaultRatio)
	}
	return nil
}

func (c config) runsServer() bool { return c.Mode != modeClient }
func (c config) runsClient() bool { return c.Mode != modeServer }

// endpoints are the addresses the program actually uses, with any port 0
// resolved to the port the system picked.
type endpoints struct {
	// GRPCAddr is the address the server listens on or, in client mode,
	// the address the client dials.
	GRPCAddr string
	// MetricsURL is the URL of the metrics endpoint.
	MetricsURL string
}

// run runs the parts of the program cfg selects until ctx ends or
// cfg.Duration has passed, then shuts them down. It prints where everything
// is to out and, once the servers accept connections, passes the same
// information to onReady, which may be nil.
func run(ctx context.Context, cfg config, out io.Writer, onReady func(endpoints)) (err error) {
	if err := cfg.validate(); err != nil {
		return err
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	level := slog.LevelInfo
	if cfg.Debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// Build everything first, so that a bad option fails before any port
	// is taken.
	toRegister := defaultCollectors()
	var grpcServer *grpc.Server
	if cfg.runsServer() {
		sm := newServerMetrics()
		grpcServer, err = newServer(sm, cfg.FrontEnd, cfg.FaultRatio, logger)
		if err != nil {
			return fmt.Errorf("set up gRPC server: %w", err)
		}
		toRegister = append(toRegister, sm)
	}
	var dialOpts []grpc.DialOption
	if cfg.runsClient() {
		cm := newClientMetrics()
		dialOpts, err = clientOptions(cm, cfg.FrontEnd)
		if err != nil {
			return fmt.Errorf("set up gRPC client: %w", err)
		}
		toRegister = append(toRegister, cm)
	}
	reg := prometheus.NewRegistry()
	for _, c := range toRegister {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register metrics: %w", err)
		}
	}

	// Take the ports.
	ep := endpoints{GRPCAddr: cfg.GRPCAddr}
	var grpcLn net.Listener
	if grpcServer != nil {
		grpcLn, err = net.Listen("tcp", cfg.GRPCAddr)
		if err != nil {
			return fmt.Errorf("listen for gRPC: %w", err)
		}
		ep.GRPCAddr = grpcLn.Addr().String()
	}
	metricsLn, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		if grpcLn != nil {
			grpcLn.Close()
		}
		return fmt.Errorf("listen for metrics: %w", err)
	}
	ep.MetricsURL = "http://" + metricsLn.Addr().String() + "/metrics"

	// Serve. A server that fails reports on serveErr and stops the rest.
	serveErr := make(chan error, 2)
	var serving sync.WaitGroup
	metricsServer := newMetricsServer(reg)
	serving.Go(func() {
		if err := metricsServer.Serve(metricsLn); !errors.Is(err, http.ErrServerClosed) {
			serveErr <- fmt.Errorf("serve metrics: %w", err)
		}
	})
	if grpcServer != nil {
		serving.Go(func() {
			if err := grpcServer.Serve(grpcLn); err != nil {
				serveErr <- fmt.Errorf("serve gRPC: %w", err)
			}
		})
	}

	printEndpoints(out, cfg, ep)
	if onReady != nil {
		onReady(ep)
	}

	// Send traffic.
	trafficCtx, stopTraffic := context.WithCancel(ctx)
	defer stopTraffic()
	var sending sync.WaitGroup
	var conn *grpc.ClientConn
	if cfg.runsClient() {
		conn, err = dial(ep.GRPCAddr, dialOpts)
		if err != nil {
			err = fmt.Errorf("set up gRPC client: %w", err)
		} else {
			t := newTraffic(conn, cfg.Interval, logger)
			sending.Go(func() { t.run(trafficCtx) })
		}
	}

	if err == nil {
		select {
		case <-ctx.Done():
		case err = <-serveErr:
		}
	}

	// Shut down, the client first so that the servers see no new calls.
	stopTraffic()
	sending.Wait()
	if conn != nil {
		if cerr := conn.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close gRPC client: %w", cerr))
		}
	}
	if grpcServer != nil && !stopGRPCServer(grpcServer, shutdownTimeout) {
		logger.Info("gRPC server did not stop in time; closed its connections", "timeout", shutdownTimeout)
	}
	if herr := stopHTTPServer(metricsServer, shutdownTimeout); herr != nil {
		err = errors.Join(err, herr)
	}
	serving.Wait()
	return err
}

// printEndpoints tells the user where to find everything.
func printEndpoints(out io.Writer, cfg config, ep endpoints) {
	grpcRole := "gRPC server listening on"
	switch cfg.Mode {
	case modeClient:
		grpcRole = "gRPC client dialing"
	case modeBoth:
		grpcRole = "gRPC server and client on"
	}
	fmt.Fprintf(out, "%s %s\n", grpcRole, ep.GRPCAddr)
	fmt.Fprintf(out, "metrics at %s\n", ep.MetricsURL)
	fmt.Fprintf(out, "mode %s, front end %s\n", cfg.Mode, cfg.FrontEnd)
	if cfg.FaultRatio > 0 && cfg.runsServer() {
		fmt.Fprintf(out, "failing %g of all RPCs with Unavailable (-fault-ratio)\n", cfg.FaultRatio)
	}
}

// stopGRPCServer stops s gracefully, letting calls in progress finish, and
// forcibly once timeout has passed. It reports whether the graceful stop
// completed in time.
func stopGRPCServer(s *grpc.Server, timeout time.Duration) bool {
	stopped := make(chan struct{})
	go func() {
		s.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-stopped:
		return true
	case <-timer.C:
		s.Stop()
		<-stopped
		return false
	}
}

// stopHTTPServer shuts s down gracefully, closing it forcibly once timeout
// has passed.
func stopHTTPServer(s *http.Server, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		return errors.Join(fmt.Errorf("shut down metrics server: %w", err), s.Close())
	}
	return nil
}
