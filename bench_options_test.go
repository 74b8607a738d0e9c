package grpcprom_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom"
)

// Benchmarks of the opt-in features: what a unary call costs with each on,
// to set beside BenchmarkUnaryServerInterceptor (all of them off).

func benchUnaryServer(b *testing.B, method string, opts ...grpcprom.ServerOption) {
	m := grpcprom.NewServerMetrics(append([]grpcprom.ServerOption{grpcprom.WithServerHandlingTimeHistogram()}, opts...)...)
	prometheus.NewRegistry().MustRegister(m)
	ic := m.UnaryServerInterceptor()
	info := &grpc.UnaryServerInfo{FullMethod: method}
	handler := func(context.Context, any) (any, error) { return nil, nil }
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = ic(ctx, nil, info, handler)
	}
}

// BenchmarkUnaryServerFilterPass: a recorded method with a filter on.
func BenchmarkUnaryServerFilterPass(b *testing.B) {
	benchUnaryServer(b, benchMethod, grpcprom.WithoutHealthChecks())
}

// BenchmarkUnaryServerFilterSkip: a health check the filter skips.
func BenchmarkUnaryServerFilterSkip(b *testing.B) {
	benchUnaryServer(b, "/grpc.health.v1.Health/Check", grpcprom.WithoutHealthChecks())
}

// BenchmarkUnaryServerFilterFunc: a recorded method with a custom filter
// that does real work; it runs once per name, so the cost stays the
// lookup's.
func BenchmarkUnaryServerFilterFunc(b *testing.B) {
	benchUnaryServer(b, benchMethod, grpcprom.WithMethodFilter(func(m string) bool {
		return !strings.Contains(m, "Internal")
	}))
}

// BenchmarkUnaryServerConnectionMetrics: connection metrics add nothing
// per call; they are recorded per connection.
func BenchmarkUnaryServerConnectionMetrics(b *testing.B) {
	benchUnaryServer(b, benchMethod, grpcprom.WithConnectionMetrics())
}
