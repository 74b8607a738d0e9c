package grpc_prometheus

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom/internal/core"
	"github.com/seed-db7adb15/grpcprom/internal/grpcfront"
)

// ServerMetrics represents a collection of metrics to be registered on a
// Prometheus metrics registry for a gRPC server. It records through
// grpcprom's core, like grpcprom.ServerMetrics.
type ServerMetrics struct {
	r *core.Recorder
}

var _ prometheus.Collector = (*ServerMetrics)(nil)

// NewServerMetrics returns a ServerMetrics object with the started,
// handled, msg_received and msg_sent counters. Use a new instance when not
// using the default Prometheus registry. It panics when the options are
// inconsistent, for example a const label named grpc_code.
func NewServerMetrics(counterOpts ...CounterOption) *ServerMetrics {
	return &ServerMetrics{r: newRecorder("NewServerMetrics", counterConfig(core.Server, counterOpts))}
}

// EnableHandlingTimeHistogram turns on grpc_server_handling_seconds. As in
// go-grpc-prometheus, it does not register anything: enable it before
// registering the ServerMetrics, and only the first call's options count.
// It panics when the buckets do not increase or a const label is invalid.
func (m *ServerMetrics) EnableHandlingTimeHistogram(opts ...HistogramOption) {
	enableHistogram(m.r, core.Handling, "EnableHandlingTimeHistogram", opts)
}

// Describe sends the descriptors of the enabled metrics.
func (m *ServerMetrics) Describe(ch chan<- *prometheus.Desc) { m.r.Describe(ch) }

// Collect sends the enabled metrics.
func (m *ServerMetrics) Collect(ch chan<- prometheus.Metric) { m.r.Collect(ch) }

// UnaryServerInterceptor is a gRPC server-side interceptor that provides
// Prometheus monitoring for Unary RPCs.
func (m *ServerMetrics) UnaryServerInterceptor() func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	return grpcfront.UnaryServer(m.r, nil)
}

// StreamServerInterceptor is a gRPC server-side interceptor that provides
// Prometheus monitoring for Streaming RPCs.
func (m *ServerMetrics) StreamServerInterceptor() func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return grpcfront.StreamServer(m.r, nil)
}

// InitializeMetrics creates the series of every method registered on
// server at zero (started, messages, handled for all 17 codes, and the
// handling-time histogram if enabled), so that they exist before the
// first call. Call it after registering your services. From then on, RPCs
// to methods the server does not register are recorded as
// grpc_service="unknown", grpc_method="unknown".
func (m *ServerMetrics) InitializeMetrics(server *grpc.Server) {
	for service, info := range server.GetServiceInfo() {
		for _, mi := range info.Methods {
			m.r.InitializeMethod("/"+service+"/"+mi.Name, core.TypeOf(mi.IsClientStream, mi.IsServerStream))
		}
	}
	m.r.Freeze()
}
