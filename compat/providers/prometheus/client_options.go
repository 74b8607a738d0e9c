package prometheus

// clientMetricsConfig is what NewClientMetrics's options set.
type clientMetricsConfig struct {
	resolved
}

// A ClientMetricsOption configures NewClientMetrics.
type ClientMetricsOption func(*clientMetricsConfig)

// WithClientCounterOptions sets the options of the client's counters,
// replacing those of an earlier WithClientCounterOptions.
func WithClientCounterOptions(opts ...CounterOption) ClientMetricsOption {
	return func(c *clientMetricsConfig) { c.counterOpts = opts }
}

// WithClientHandlingTimeHistogram enables grpc_client_handling_seconds,
// the time from the start of each RPC to its completion as the client sees
// it. Every histogram multiplies the series, and Prometheus's cost, by its
// number of buckets.
func WithClientHandlingTimeHistogram(opts ...HistogramOption) ClientMetricsOption {
	return func(c *clientMetricsConfig) { c.hist[handling] = histogramChoice{on: true, opts: opts} }
}

// WithClientStreamRecvHistogram enables
// grpc_client_msg_recv_handling_seconds: one observation per RecvMsg call
// on a streaming RPC, of the time the call took. Unary RPCs are not
// observed.
func WithClientStreamRecvHistogram(opts ...HistogramOption) ClientMetricsOption {
	return func(c *clientMetricsConfig) { c.hist[streamRecv] = histogramChoice{on: true, opts: opts} }
}

// WithClientStreamSendHistogram enables
// grpc_client_msg_send_handling_seconds: one observation per SendMsg call
// on a streaming RPC, of the time the call took. Unary RPCs are not
// observed.
func WithClientStreamSendHistogram(opts ...HistogramOption) ClientMetricsOption {
	return func(c *clientMetricsConfig) { c.hist[streamSend] = histogramChoice{on: true, opts: opts} }
}

// WithClientContextLabels adds one label per name to every client metric,
// after grpc_type, grpc_service and grpc_method. The interceptors take the
// values from their WithLabelsFromContext function; without one, every
// value is "". It replaces the names of an earlier WithClientContextLabels.
// The constructor panics, naming this option, on the names
// WithContextLabels rejects.
func WithClientContextLabels(labelNames ...string) ClientMetricsOption {
	return func(c *clientMetricsConfig) { c.contextLabels = labelNames }
}
