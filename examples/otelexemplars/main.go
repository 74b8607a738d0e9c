// Command otelexemplars shows grpcprom attaching OpenTelemetry trace IDs as
// exemplars to the server's metrics: it serves the Greeter on a local port,
// makes a few traced calls, and prints the metrics in the OpenMetrics text
// format, where exemplars appear after "# ".
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// propagator carries the client's trace context to the server, so that
// both sides' spans share a trace ID.
var propagator = propagation.TraceContext{}

type greeter struct {
	pb.UnimplementedGreeterServer
}

func (greeter) SayHello(_ context.Context, req *pb.HelloRequest) (*pb.HelloReply, error) {
	return &pb.HelloReply{Message: "Hello " + req.GetName()}, nil
}

// newServerMetrics returns server metrics whose handled counter and
// handling-time histogram carry the trace ID of each RPC as an exemplar.
func newServerMetrics() *grpcprom.ServerMetrics {
	return grpcprom.NewServerMetrics(
		grpcprom.WithServerHandlingTimeHistogram(),
		grpcprom.WithExemplarFromContext(TraceExemplar),
	)
}

// serverOptions installs otelgrpc's stats handler, which starts a span for
// each RPC, and then grpcprom: its interceptors, or, with statsHandler, its
// stats handler after otelgrpc's.
func serverOptions(sm *grpcprom.ServerMetrics, tp trace.TracerProvider, statsHandler bool) []grpc.ServerOption {
	opts := []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(
		otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(propagator)))}
	if statsHandler {
		return append(opts, grpc.StatsHandler(sm.StatsHandler()))
	}
	return append(opts, sm.ServerOptions()...)
}

// serve starts a Greeter server with opts on 127.0.0.1 and returns its
// address.
func serve(opts ...grpc.ServerOption) (*grpc.Server, string, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := grpc.NewServer(opts...)
	pb.RegisterGreeterServer(srv, greeter{})
	go func() { _ = srv.Serve(lis) }()
	return srv, lis.Addr().String(), nil
}

// dial returns a client whose calls are traced by tp.
func dial(addr string, tp trace.TracerProvider) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(
			otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(propagator))),
	)
}

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(w io.Writer) error {
	// A real SDK TracerProvider, sampling every trace. It exports nowhere:
	// this example only needs the trace IDs.
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	sm := newServerMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(sm)

	srv, addr, err := serve(serverOptions(sm, tp, false)...)
	if err != nil {
		return err
	}
	defer srv.Stop()

	conn, err := dial(addr, tp)
	if err != nil {
		return err
	}
	defer conn.Close()
	client := pb.NewGreeterClient(conn)
	for _, name := range []string{"Ada", "Grace", "Edsger"} {
		if _, err := client.SayHello(context.Background(), &pb.HelloRequest{Name: name}); err != nil {
			return err
		}
	}

	// Scrape the registry as Prometheus does when it asks for OpenMetrics:
	// the classic text format has no exemplars.
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}).ServeHTTP(rec, req)

	// Print the two families that carry exemplars.
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "grpc_server_handled") || strings.Contains(line, "grpc_server_handling_seconds") {
			fmt.Fprintln(w, line)
		}
	}
	return sc.Err()
}
