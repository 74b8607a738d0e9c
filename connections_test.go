package grpcprom_test

import (
	"context"
	"net"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// TestConnectionMetrics: open connections rise with each client connection
// and fall back to 0, exactly once each, across a client Close, a server
// GracefulStop and a server Stop, through both front ends.
func TestConnectionMetrics(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			sm := grpcprom.NewServerMetrics(grpcprom.WithConnectionMetrics())
			cm := grpcprom.NewClientMetrics(grpcprom.WithConnectionMetrics())
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(sm, cm)
			so, do := fe.install(sm, cm)
			conns := func(open, total float64) {
				t.Helper()
				eventually(t, "connection counts", func() bool {
					got := snapshot(t, reg)
					return got["grpc_server_open_connections{}"] == open && got["grpc_server_connections_total{}"] == total &&
						got["grpc_client_open_connections{}"] == open && got["grpc_client_connections_total{}"] == total
				})
			}
			serve := func() (*grpc.Server, string) {
				lis, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				srv := grpc.NewServer(so...)
				pb.RegisterGreeterServer(srv, greeter{})
				go func() { _ = srv.Serve(lis) }()
				t.Cleanup(srv.Stop)
				return srv, lis.Addr().String()
			}
			call := func(addr string) *grpc.ClientConn {
				conn := dial(t, addr, do)
				if _, err := pb.NewGreeterClient(conn).SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
					t.Fatal(err)
				}
				return conn
			}

			srv1, addr1 := serve()
			a, _ := call(addr1), call(addr1)
			conns(2, 2)
			_ = a.Close()
			conns(1, 2)
			srv1.GracefulStop()
			conns(0, 2)

			srv2, addr2 := serve()
			call(addr2)
			call(addr2)
			conns(2, 4)
			srv2.Stop()
			conns(0, 4)
		})
	}
}
