package prometheus

import (
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom/internal/core"
	"github.com/seed-db7adb15/grpcprom/internal/grpcfront"
)

// ClientMetrics records the metrics of a gRPC client. It is a
// prometheus.Collector: register it with a registry, then install its
// interceptors on the client connection.
type ClientMetrics struct {
	m metrics
}

var _ prometheus.Collector = (*ClientMetrics)(nil)

// NewClientMetrics returns client metrics configured by opts. Nothing is
// registered: pass the result to a registry's Register or MustRegister.
// It panics, naming the option, when the options are inconsistent.
func NewClientMetrics(opts ...ClientMetricsOption) *ClientMetrics {
	var c clientMetricsConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return &ClientMetrics{m: newMetrics("NewClientMetrics", core.Client, &c.resolved)}
}

// Describe implements prometheus.Collector.
func (m *ClientMetrics) Describe(ch chan<- *prometheus.Desc) { m.m.describe(ch) }

// Collect implements prometheus.Collector.
func (m *ClientMetrics) Collect(ch chan<- prometheus.Metric) { m.m.collect(ch) }

// UnaryClientInterceptor returns an interceptor that records unary RPCs,
// configured by opts.
func (m *ClientMetrics) UnaryClientInterceptor(opts ...Option) grpc.UnaryClientInterceptor {
	return grpcfront.UnaryClient(m.m.r, m.m.hooks(opts))
}

// StreamClientInterceptor returns an interceptor that records streaming
// RPCs, their messages and, when enabled, the time of each SendMsg and
// RecvMsg call, configured by opts. Each RPC is recorded as handled
// exactly once, however often RecvMsg is called after the stream ended.
func (m *ClientMetrics) StreamClientInterceptor(opts ...Option) grpc.StreamClientInterceptor {
	return grpcfront.StreamClient(m.m.r, m.m.hooks(opts))
}
