package prometheus

// serverMetricsConfig is what NewServerMetrics's options set.
type serverMetricsConfig struct {
	resolved
}

// A ServerMetricsOption configures NewServerMetrics.
type ServerMetricsOption func(*serverMetricsConfig)

// WithServerCounterOptions sets the options of the server's counters,
// replacing those of an earlier WithServerCounterOptions.
func WithServerCounterOptions(opts ...CounterOption) ServerMetricsOption {
	return func(c *serverMetricsConfig) { c.counterOpts = opts }
}

// WithServerHandlingTimeHistogram enables grpc_server_handling_seconds,
// the time from the start of each RPC to its completion. Every histogram
// multiplies the series, and Prometheus's cost, by its number of buckets.
func WithServerHandlingTimeHistogram(opts ...HistogramOption) ServerMetricsOption {
	return func(c *serverMetricsConfig) { c.hist[handling] = histogramChoice{on: true, opts: opts} }
}

// WithContextLabels adds one label per name to every server metric, after
// grpc_type, grpc_service and grpc_method, replacing the names of an
// earlier WithContextLabels. The interceptors take the values from their
// WithLabelsFromContext function; without one, every value is "". The
// constructor panics, naming this option, on a name that is not a valid
// label name, is given twice, is a const label, or is one the metrics set
// themselves (grpc_type, grpc_service, grpc_method, grpc_code).
func WithContextLabels(labelNames ...string) ServerMetricsOption {
	return func(c *serverMetricsConfig) { c.contextLabels = labelNames }
}
