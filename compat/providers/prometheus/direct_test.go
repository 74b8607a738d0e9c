package prometheus_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
)

// callUnary runs one unary RPC to /helloworld.Greeter/SayHello through
// icpt, without a network, with a handler that returns err.
func callUnary(t testing.TB, icpt grpc.UnaryServerInterceptor, ctx context.Context, err error) {
	t.Helper()
	info := &grpc.UnaryServerInfo{FullMethod: "/helloworld.Greeter/SayHello"}
	_, got := icpt(ctx, "req", info, func(context.Context, any) (any, error) { return "resp", err })
	if got != err {
		t.Fatalf("interceptor returned %v, want %v", got, err)
	}
}
