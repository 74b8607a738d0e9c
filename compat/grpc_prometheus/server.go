package grpc_prometheus

import (
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

var (
	// DefaultServerMetrics is the default instance of ServerMetrics. Its
	// counters are registered on prometheus.DefaultRegisterer at init.
	DefaultServerMetrics = NewServerMetrics()

	// UnaryServerInterceptor is a gRPC server-side interceptor that
	// provides Prometheus monitoring for Unary RPCs, recording into
	// DefaultServerMetrics.
	UnaryServerInterceptor = DefaultServerMetrics.UnaryServerInterceptor()

	// StreamServerInterceptor is a gRPC server-side interceptor that
	// provides Prometheus monitoring for Streaming RPCs, recording into
	// DefaultServerMetrics.
	StreamServerInterceptor = DefaultServerMetrics.StreamServerInterceptor()
)

// Register pre-initializes the series of every method registered on
// server at zero, all codes included, in DefaultServerMetrics. Call it
// after registering your services.
func Register(server *grpc.Server) {
	DefaultServerMetrics.InitializeMetrics(server)
}

// EnableHandlingTimeHistogram turns on grpc_server_handling_seconds in
// DefaultServerMetrics and registers it on the default Prometheus
// registry. Histograms can be expensive for Prometheus to retain and
// query.
func EnableHandlingTimeHistogram(opts ...HistogramOption) {
	registerDefault(enableHistogram(DefaultServerMetrics.r, core.Handling, "EnableHandlingTimeHistogram", opts))
}
