package grpc_prometheus_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	// Was: grpc_prometheus "github.com/grpc-ecosystem/go-grpc-prometheus"
	grpc_prometheus "github.com/seed-db7adb15/grpcprom/compat/grpc_prometheus"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

type greeter struct {
	pb.UnimplementedGreeterServer
}

func (greeter) SayHello(_ context.Context, in *pb.HelloRequest) (*pb.HelloReply, error) {
	return &pb.HelloReply{Message: "hello " + in.GetName()}, nil
}

// Code written for go-grpc-prometheus v1 runs unchanged once the import
// path is changed: the package-level interceptors, Register and the
// histogram switches, with the metrics on the default registry.
func Example() {
	grpc_prometheus.EnableHandlingTimeHistogram()
	srv := grpc.NewServer(
		grpc.StreamInterceptor(grpc_prometheus.StreamServerInterceptor),
		grpc.UnaryInterceptor(grpc_prometheus.UnaryServerInterceptor),
	)
	pb.RegisterGreeterServer(srv, greeter{})
	grpc_prometheus.Register(srv)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	conn, err := grpc.NewClient(lis.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(grpc_prometheus.UnaryClientInterceptor),
		grpc.WithStreamInterceptor(grpc_prometheus.StreamClientInterceptor),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	reply, err := pb.NewGreeterClient(conn).SayHello(context.Background(), &pb.HelloRequest{Name: "v1 user"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply.GetMessage())

	// What http.Handle("/metrics", promhttp.Handler()) serves.
	rec := httptest.NewRecorder()
	promhttp.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "# TYPE grpc_server_") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// hello v1 user
	// # TYPE grpc_server_handled_total counter
	// # TYPE grpc_server_handling_seconds histogram
	// # TYPE grpc_server_msg_received_total counter
	// # TYPE grpc_server_msg_sent_total counter
	// # TYPE grpc_server_started_total counter
}
