package grpc_prometheus

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom/internal/core"
	"github.com/seed-db7adb15/grpcprom/internal/grpcfront"
)

// ClientMetrics represents a collection of metrics to be registered on a
// Prometheus metrics registry for a gRPC client. It records through
// grpcprom's core, like grpcprom.ClientMetrics.
type ClientMetrics struct {
	r *core.Recorder
}

var _ prometheus.Collector = (*ClientMetrics)(nil)

// NewClientMetrics returns a ClientMetrics object with the started,
// handled, msg_received and msg_sent counters. Use a new instance when not
// using the default Prometheus registry. It panics when the options are
// inconsistent, for example a const label named grpc_code.
func NewClientMetrics(counterOpts ...CounterOption) *ClientMetrics {
	return &ClientMetrics{r: newRecorder("NewClientMetrics", counterConfig(core.Client, counterOpts))}
}

// EnableClientHandlingTimeHistogram turns on grpc_client_handling_seconds.
// As in go-grpc-prometheus, it does not register anything: enable it
// before registering the ClientMetrics, and only the first call's options
// count. It panics when the buckets do not increase or a const label is
// invalid.
func (m *ClientMetrics) EnableClientHandlingTimeHistogram(opts ...HistogramOption) {
	enableHistogram(m.r, core.Handling, "EnableClientHandlingTimeHistogram", opts)
}

// EnableClientStreamReceiveTimeHistogram turns on
// grpc_client_msg_recv_handling_seconds: one observation per RecvMsg call
// on a client stream, of the time the call took. Unary RPCs are not
// observed. Registration and options work as in
// EnableClientHandlingTimeHistogram. (go-grpc-prometheus master, after
// v1.2.0.)
func (m *ClientMetrics) EnableClientStreamReceiveTimeHistogram(opts ...HistogramOption) {
	enableHistogram(m.r, core.StreamRecv, "EnableClientStreamReceiveTimeHistogram", opts)
}

// EnableClientStreamSendTimeHistogram turns on
// grpc_client_msg_send_handling_seconds: one observation per SendMsg call
// on a client stream, of the time the call took. Unary RPCs are not
// observed. Registration and options work as in
// EnableClientHandlingTimeHistogram. (go-grpc-prometheus master, after
// v1.2.0.)
func (m *ClientMetrics) EnableClientStreamSendTimeHistogram(opts ...HistogramOption) {
	enableHistogram(m.r, core.StreamSend, "EnableClientStreamSendTimeHistogram", opts)
}

// Describe sends the descriptors of the enabled metrics.
func (m *ClientMetrics) Describe(ch chan<- *prometheus.Desc) { m.r.Describe(ch) }

// Collect sends the enabled metrics.
func (m *ClientMetrics) Collect(ch chan<- prometheus.Metric) { m.r.Collect(ch) }

// UnaryClientInterceptor is a gRPC client-side interceptor that provides
// Prometheus monitoring for Unary RPCs.
func (m *ClientMetrics) UnaryClientInterceptor() func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return grpcfront.UnaryClient(m.r, nil)
}

// StreamClientInterceptor is a gRPC client-side interceptor that provides
// Prometheus monitoring for Streaming RPCs.
func (m *ClientMetrics) StreamClientInterceptor() func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return grpcfront.StreamClient(m.r, nil)
}
