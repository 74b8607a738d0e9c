package grpcprom_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// serve runs srv on an in-memory listener and returns a connection to it
// that uses dialOpts.
func serve(srv *grpc.Server, dialOpts ...grpc.DialOption) *grpc.ClientConn {
	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(lis) }()
	dialOpts = append(dialOpts,
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient("passthrough:///bufnet", dialOpts...)
	if err != nil {
		log.Fatal(err)
	}
	return conn
}

// Instrument a server and a client with interceptors, and read the result
// from a registry.
func Example() {
	reg := prometheus.NewRegistry()
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram())
	reg.MustRegister(sm, cm)

	srv := grpc.NewServer(sm.ServerOptions()...)
	pb.RegisterGreeterServer(srv, greeter{})
	defer srv.Stop()
	conn := serve(srv, cm.DialOptions()...)
	defer conn.Close()

	_, err := pb.NewGreeterClient(conn).SayHello(context.Background(), &pb.HelloRequest{Name: "ok"})
	fmt.Println("call error:", err)

	// Serve reg with promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).
	printSeries(reg, "grpc_server_handled_total", "grpc_client_handled_total")
	// Output:
	// call error: <nil>
	// grpc_server_handled_total{grpc_code="OK",grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary"} 1
	// grpc_client_handled_total{grpc_code="OK",grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary"} 1
}

// Install the stats handler instead of the interceptors to also count RPCs
// that never reach a handler, and to record message sizes.
func ExampleServerMetrics_StatsHandler() {
	reg := prometheus.NewRegistry()
	sm := grpcprom.NewServerMetrics(grpcprom.WithMessageSizeHistogram(), grpcprom.WithInFlightGauge())
	reg.MustRegister(sm)

	srv := grpc.NewServer(grpc.StatsHandler(sm.StatsHandler()))
	pb.RegisterGreeterServer(srv, greeter{})
	defer srv.Stop()
	conn := serve(srv)
	defer conn.Close()

	// No such method: no handler runs, yet the stats handler counts it.
	err := conn.Invoke(context.Background(), "/helloworld.Greeter/NoSuchMethod", &pb.HelloRequest{}, &pb.HelloReply{})
	fmt.Println(status.Code(err))

	// The server may record the end just after the client has its answer;
	// stopping the server waits for that.
	srv.GracefulStop()
	printSeries(reg, "grpc_server_handled_total")
	// Output:
	// Unimplemented
	// grpc_server_handled_total{grpc_code="Unimplemented",grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"} 1
}

// Pre-initialize every method's series, so that rates and alerts work
// before the first call.
func ExampleServerMetrics_InitializeMetrics() {
	sm := grpcprom.NewServerMetrics()
	srv := grpc.NewServer(sm.ServerOptions()...)
	pb.RegisterGreeterServer(srv, greeter{})
	sm.InitializeMetrics(srv)

	reg := prometheus.NewRegistry()
	reg.MustRegister(sm)
	mfs, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, mf := range mfs {
		fmt.Println(mf.GetName(), len(mf.GetMetric()), "series")
	}
	// Output:
	// grpc_server_handled_total 68 series
	// grpc_server_msg_received_total 4 series
	// grpc_server_msg_sent_total 4 series
	// grpc_server_panics_total 4 series
	// grpc_server_started_total 4 series
}

// printSeries prints the series of the named metrics, in the order given.
func printSeries(reg prometheus.Gatherer, names ...string) {
	mfs, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range names {
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				v := m.GetCounter().GetValue()
				if m.GetGauge() != nil {
					v = m.GetGauge().GetValue()
				}
				fmt.Printf("%s%s %g\n", name, labelString(m.GetLabel(), ""), v)
			}
		}
	}
}

// Label each RPC with the caller's tenant, taken from a metadata header.
// Values are sanitized and capped, so callers cannot blow up the series.
func ExampleWithLabelsFromMetadata() {
	reg := prometheus.NewRegistry()
	sm := grpcprom.NewServerMetrics(grpcprom.WithLabelsFromMetadata("x-tenant"))
	reg.MustRegister(sm)

	srv := grpc.NewServer(sm.ServerOptions()...)
	pb.RegisterGreeterServer(srv, greeter{})
	conn := serve(srv)
	defer conn.Close()

	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-tenant", "acme")
	if _, err := pb.NewGreeterClient(conn).SayHello(ctx, &pb.HelloRequest{Name: "ok"}); err != nil {
		log.Fatal(err)
	}
	srv.GracefulStop()
	printSeries(reg, "grpc_server_handled_total")
	// Output:
	// grpc_server_handled_total{grpc_code="OK",grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary",x_tenant="acme"} 1
}

// Attach the caller's request ID as an exemplar. With OpenTelemetry, take
// the trace ID from the span context instead (see examples/otelexemplars).
func ExampleWithExemplarFromContext() {
	reg := prometheus.NewRegistry()
	sm := grpcprom.NewServerMetrics(grpcprom.WithExemplarFromContext(func(ctx context.Context) prometheus.Labels {
		if id := metadata.ValueFromIncomingContext(ctx, "x-request-id"); len(id) > 0 {
			return prometheus.Labels{"request_id": id[0]}
		}
		return nil
	}))
	reg.MustRegister(sm)

	srv := grpc.NewServer(sm.ServerOptions()...)
	pb.RegisterGreeterServer(srv, greeter{})
	conn := serve(srv)
	defer conn.Close()

	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "req-42")
	if _, err := pb.NewGreeterClient(conn).SayHello(ctx, &pb.HelloRequest{Name: "ok"}); err != nil {
		log.Fatal(err)
	}
	srv.GracefulStop()
	mfs, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "grpc_server_handled_total" {
			for _, l := range mf.GetMetric()[0].GetCounter().GetExemplar().GetLabel() {
				fmt.Printf("exemplar %s=%s\n", l.GetName(), l.GetValue())
			}
		}
	}
	// Output:
	// exemplar request_id=req-42
}
