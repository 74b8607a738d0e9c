package grpc_prometheus

import "github.com/seed-db7adb15/grpcprom/internal/core"

var (
	// DefaultClientMetrics is the default instance of ClientMetrics. Its
	// counters are registered on prometheus.DefaultRegisterer at init.
	DefaultClientMetrics = NewClientMetrics()

	// UnaryClientInterceptor is a gRPC client-side interceptor that
	// provides Prometheus monitoring for Unary RPCs, recording into
	// DefaultClientMetrics.
	UnaryClientInterceptor = DefaultClientMetrics.UnaryClientInterceptor()

	// StreamClientInterceptor is a gRPC client-side interceptor that
	// provides Prometheus monitoring for Streaming RPCs, recording into
	// DefaultClientMetrics.
	StreamClientInterceptor = DefaultClientMetrics.StreamClientInterceptor()
)

// EnableClientHandlingTimeHistogram turns on grpc_client_handling_seconds
// in DefaultClientMetrics and registers it on the default Prometheus
// registry. Histograms can be expensive for Prometheus to retain and
// query.
func EnableClientHandlingTimeHistogram(opts ...HistogramOption) {
	registerDefault(enableHistogram(DefaultClientMetrics.r, core.Handling, "EnableClientHandlingTimeHistogram", opts))
}

// EnableClientStreamReceiveTimeHistogram turns on
// grpc_client_msg_recv_handling_seconds in DefaultClientMetrics and
// registers it on the default Prometheus registry. (go-grpc-prometheus
// master, after v1.2.0.)
func EnableClientStreamReceiveTimeHistogram(opts ...HistogramOption) {
	registerDefault(enableHistogram(DefaultClientMetrics.r, core.StreamRecv, "EnableClientStreamReceiveTimeHistogram", opts))
}

// EnableClientStreamSendTimeHistogram turns on
// grpc_client_msg_send_handling_seconds in DefaultClientMetrics and
// registers it on the default Prometheus registry. (go-grpc-prometheus
// master, after v1.2.0.)
func EnableClientStreamSendTimeHistogram(opts ...HistogramOption) {
	registerDefault(enableHistogram(DefaultClientMetrics.r, core.StreamSend, "EnableClientStreamSendTimeHistogram", opts))
}
