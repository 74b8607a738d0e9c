package prometheus_test

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"

	// Was: grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	grpcprom "github.com/seed-db7adb15/grpcprom/compat/providers/prometheus"
)

// Code written for go-grpc-middleware's providers/prometheus keeps
// working with only the import path changed.
func Example() {
	srvMetrics := grpcprom.NewServerMetrics(
		grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets([]float64{0.01, 0.1, 1})),
		grpcprom.WithContextLabels("tenant_name"),
	)
	reg := prometheus.NewRegistry()
	reg.MustRegister(srvMetrics)
	tenant := func(ctx context.Context) prometheus.Labels {
		if v := metadata.ValueFromIncomingContext(ctx, "tenant-name"); len(v) > 0 {
			return prometheus.Labels{"tenant_name": v[0]}
		}
		return prometheus.Labels{"tenant_name": "unknown"}
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(srvMetrics.UnaryServerInterceptor(grpcprom.WithLabelsFromContext(tenant))),
		grpc.ChainStreamInterceptor(srvMetrics.StreamServerInterceptor(grpcprom.WithLabelsFromContext(tenant))),
	)
	pb.RegisterGreeterServer(srv, greeter{})
	srvMetrics.InitializeMetrics(srv)

	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()

	ctx := metadata.AppendToOutgoingContext(context.Background(), "tenant-name", "acme")
	if _, err := pb.NewGreeterClient(conn).SayHello(ctx, &pb.HelloRequest{Name: "world"}); err != nil {
		fmt.Println(err)
		return
	}
	// InitializeMetrics made every method's series at zero, with
	// tenant_name=""; the call added one.
	mfs, err := reg.Gather()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if mf.GetName() == "grpc_server_handled_total" && m.GetCounter().GetValue() > 0 {
				var labels []string
				for _, l := range m.GetLabel() {
					labels = append(labels, l.GetName()+"="+l.GetValue())
				}
				fmt.Println(mf.GetName(), strings.Join(labels, " "), m.GetCounter().GetValue())
			}
		}
	}
	// Output:
	// grpc_server_handled_total grpc_code=OK grpc_method=SayHello grpc_service=helloworld.Greeter grpc_type=unary tenant_name=acme 1
}
