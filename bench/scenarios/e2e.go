package scenarios

import (
	"context"
	"net"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

type greeter struct {
	helloworld.UnimplementedGreeterServer
}

func (greeter) SayHello(_ context.Context, in *helloworld.HelloRequest) (*helloworld.HelloReply, error) {
	return &helloworld.HelloReply{Message: "Hello " + in.GetName()}, nil
}

// E2EUnary makes SayHello calls over an in-memory connection to a real
// server, both sides instrumented by impl: 1 op = 1 RPC.
func E2EUnary(b *testing.B, impl Impl) {
	s, c := impl.Server(prometheus.NewRegistry()), impl.Client(prometheus.NewRegistry())

	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(s.Options...)
	helloworld.RegisterGreeterServer(srv, greeter{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	defer func() {
		srv.Stop()
		<-done
	}()

	opts := append([]grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return lis.DialContext(ctx)
		}),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, c.Options...)
	conn, err := grpc.NewClient("passthrough:///bufconn", opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	client := helloworld.NewGreeterClient(conn)

	ctx := context.Background()
	req := &helloworld.HelloRequest{Name: "world"}
	// Connect before timing.
	if _, err := client.SayHello(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.SayHello(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
