package grpcprom_test

import (
	"context"
	"fmt"
	"log"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// Keep load-balancer health checks out of the metrics.
func ExampleWithoutHealthChecks() {
	reg := prometheus.NewRegistry()
	sm := grpcprom.NewServerMetrics(grpcprom.WithoutHealthChecks())
	reg.MustRegister(sm)

	srv := grpc.NewServer(sm.ServerOptions()...)
	pb.RegisterGreeterServer(srv, greeter{})
	healthpb.RegisterHealthServer(srv, health.NewServer())
	conn := serve(srv)
	defer conn.Close()

	for range 3 {
		if _, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := pb.NewGreeterClient(conn).SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
		log.Fatal(err)
	}
	srv.GracefulStop()
	printSeries(reg, "grpc_server_handled_total")
	// Output:
	// grpc_server_handled_total{grpc_code="OK",grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary"} 1
}

// Record only some methods: here, everything but a noisy internal service.
func ExampleWithMethodFilter() {
	reg := prometheus.NewRegistry()
	cm := grpcprom.NewClientMetrics(grpcprom.WithMethodFilter(func(fullMethod string) bool {
		return fullMethod != "/helloworld.Greeter/SayHelloUnaryStream"
	}))
	reg.MustRegister(cm)

	srv := grpc.NewServer()
	pb.RegisterGreeterServer(srv, greeter{})
	conn := serve(srv, cm.DialOptions()...)
	defer conn.Close()
	c := pb.NewGreeterClient(conn)
	if _, err := c.SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
		log.Fatal(err)
	}
	if _, err := c.SayHelloUnaryStream(context.Background(), &pb.HelloRequest{Name: "1"}); err != nil {
		log.Fatal(err)
	}
	srv.Stop()
	printSeries(reg, "grpc_client_started_total")
	// Output:
	// grpc_client_started_total{grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary"} 1
}

// Count connections; ServerOptions adds the stats handler that sees them.
func ExampleWithConnectionMetrics() {
	reg := prometheus.NewRegistry()
	sm := grpcprom.NewServerMetrics(grpcprom.WithConnectionMetrics())
	reg.MustRegister(sm)

	srv := grpc.NewServer(sm.ServerOptions()...)
	pb.RegisterGreeterServer(srv, greeter{})
	conn := serve(srv)
	if _, err := pb.NewGreeterClient(conn).SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
		log.Fatal(err)
	}
	printSeries(reg, "grpc_server_open_connections", "grpc_server_connections_total")
	_ = conn.Close()
	srv.GracefulStop()
	printSeries(reg, "grpc_server_open_connections")
	// Output:
	// grpc_server_open_connections{} 1
	// grpc_server_connections_total{} 1
	// grpc_server_open_connections{} 0
}

// Count attempts beside calls, to see how many retries calls take.
func ExampleWithClientAttemptMetrics() {
	reg := prometheus.NewRegistry()
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientAttemptMetrics())
	reg.MustRegister(cm)

	srv := grpc.NewServer()
	pb.RegisterGreeterServer(srv, greeter{})
	conn := serve(srv, cm.DialOptions()...)
	defer conn.Close()
	if _, err := pb.NewGreeterClient(conn).SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
		log.Fatal(err)
	}
	srv.Stop()
	// Without a retry policy each call is one attempt.
	printSeries(reg, "grpc_client_started_total", "grpc_client_attempt_started_total")
	// Output:
	// grpc_client_started_total{grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary"} 1
	// grpc_client_attempt_started_total{grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary"} 1
}

// Spell label values as the Java and Python libraries do, keeping
// go-grpc-prometheus's metric names.
func ExampleWithJavaLabelValues() {
	reg := prometheus.NewRegistry()
	sm := grpcprom.NewServerMetrics(grpcprom.WithJavaLabelValues())
	reg.MustRegister(sm)

	srv := grpc.NewServer(sm.ServerOptions()...)
	pb.RegisterGreeterServer(srv, greeter{})
	conn := serve(srv)
	defer conn.Close()
	_, err := pb.NewGreeterClient(conn).SayHello(context.Background(), &pb.HelloRequest{Name: "wrapped"})
	fmt.Println(err != nil)
	srv.GracefulStop()
	printSeries(reg, "grpc_server_handled_total")
	// Output:
	// true
	// grpc_server_handled_total{grpc_code="NOT_FOUND",grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="UNARY"} 1
}
