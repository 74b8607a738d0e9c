package grpcprom

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultMethodLimit is the number of distinct method names a collector
// records before it folds further names into the catch-all series.
const DefaultMethodLimit = 1000

// MaxMethodNameLength is the longest full method name, in bytes, that gets
// series of its own; longer names are recorded under the catch-all.
const MaxMethodNameLength = 256

// DefaultSizeBuckets are the default buckets of the message size
// histograms: powers of 4 from 64 B to 64 MiB.
var DefaultSizeBuckets = prometheus.ExponentialBuckets(64, 4, 11)

// ServerOption configures [NewServerMetrics]. Every [Option] is one.
type ServerOption interface {
	applyServer(*config)
}

// ClientOption configures [NewClientMetrics]. Every [Option] is one.
type ClientOption interface {
	applyClient(*config)
}

// Option configures both [NewServerMetrics] and [NewClientMetrics].
type Option func(*config)

func (o Option) applyServer(c *config) { o(c) }
func (o Option) applyClient(c *config) { o(c) }

type serverOption func(*config)

func (o serverOption) applyServer(c *config) { o(c) }

type clientOption func(*config)

func (o clientOption) applyClient(c *config) { o(c) }

// HistogramOption configures one histogram: its buckets and, through
// [WithHistogramOpts], its native-histogram settings.
type HistogramOption func(*prometheus.HistogramOpts)

// config is what the options build; a recorder is made from it.
type config struct {
	side        side
	namespace   string
	subsystem   string
	constLabels prometheus.Labels
	legacy      bool
	methodLimit int
	// hist holds the options of each histogram the user enabled.
	hist     [numMetricIDs][]HistogramOption
	enabled  [numMetricIDs]bool
	codeHist bool

	extra           []extraLabel
	labelValueLimit int
	exemplar        func(context.Context) prometheus.Labels
}

// WithLegacyMetrics exports the legacy metric set of the Python and Java
// libraries: the code label is named "code" instead of "grpc_code", the
// client's completion counter is grpc_client_completed_total, and the
// handling-time histograms are always on, as
// grpc_server_handled_latency_seconds and
// grpc_client_completed_latency_seconds. Histogram options given to
// WithServerHandlingTimeHistogram or WithClientHandlingTimeHistogram apply
// to those legacy histograms. Other opt-in metrics keep their names.
func WithLegacyMetrics() Option {
	return func(c *config) { c.legacy = true }
}

// WithNamespace prefixes every metric name with namespace and an underscore.
func WithNamespace(namespace string) Option {
	return func(c *config) { c.namespace = namespace }
}

// WithSubsystem inserts subsystem and an underscore between the namespace
// and every metric name.
func WithSubsystem(subsystem string) Option {
	return func(c *config) { c.subsystem = subsystem }
}

// WithConstLabels adds labels with fixed values to every metric.
func WithConstLabels(labels prometheus.Labels) Option {
	return func(c *config) {
		if c.constLabels == nil {
			c.constLabels = prometheus.Labels{}
		}
		for k, v := range labels {
			c.constLabels[k] = v
		}
	}
}

// WithMethodLimit sets how many distinct method names get series of their
// own before further names are recorded under grpc_service="unknown",
// grpc_method="unknown". The default is [DefaultMethodLimit]. It panics if
// limit is less than 1.
func WithMethodLimit(limit int) Option {
	if limit < 1 {
		panic(fmt.Sprintf("grpcprom: WithMethodLimit(%d): the limit must be at least 1", limit))
	}
	return func(c *config) { c.methodLimit = limit }
}

// WithInFlightGauge enables grpc_server_in_flight_rpcs or
// grpc_client_in_flight_rpcs: the number of RPCs started and not yet
// completed.
func WithInFlightGauge() Option {
	return func(c *config) { c.enabled[idInFlight] = true }
}

// WithMessageSizeHistogram enables the histograms of received and sent
// message sizes (grpc_server_msg_received_size_bytes and the like), one
// observation per message of its uncompressed size. The default buckets are
// [DefaultSizeBuckets]. Only the stats handler sees message sizes: with
// interceptors alone these histograms stay empty.
func WithMessageSizeHistogram(opts ...HistogramOption) Option {
	return func(c *config) {
		c.enableHistogram(idRecvSize, opts)
		c.enableHistogram(idSentSize, opts)
	}
}

// WithCodeOnHistograms adds the code label (grpc_code, or code in legacy
// mode) to the handling-time histograms, so that latency can be split by
// outcome. It multiplies their series by the number of codes that occur,
// up to 17.
func WithCodeOnHistograms() Option {
	return func(c *config) { c.codeHist = true }
}

// WithServerHandlingTimeHistogram enables grpc_server_handling_seconds, the
// time from the start of each RPC to its completion. The default buckets are
// [prometheus.DefBuckets].
func WithServerHandlingTimeHistogram(opts ...HistogramOption) ServerOption {
	return serverOption(func(c *config) { c.enableHistogram(idHandling, opts) })
}

// WithClientHandlingTimeHistogram enables grpc_client_handling_seconds, the
// time from the start of each RPC to its completion as the client sees it.
func WithClientHandlingTimeHistogram(opts ...HistogramOption) ClientOption {
	return clientOption(func(c *config) { c.enableHistogram(idHandling, opts) })
}

// WithClientStreamRecvHistogram enables
// grpc_client_msg_recv_handling_seconds: one observation per RecvMsg call
// on a client stream, of the time that call took. Only the interceptors
// see the caller's calls: with the stats handler it stays empty.
func WithClientStreamRecvHistogram(opts ...HistogramOption) ClientOption {
	return clientOption(func(c *config) { c.enableHistogram(idStreamRecv, opts) })
}

// WithClientStreamSendHistogram enables
// grpc_client_msg_send_handling_seconds: one observation per SendMsg call
// on a client stream, of the time that call took. Only the interceptors
// see the caller's calls: with the stats handler it stays empty.
func WithClientStreamSendHistogram(opts ...HistogramOption) ClientOption {
	return clientOption(func(c *config) { c.enableHistogram(idStreamSend, opts) })
}

// WithHistogramBuckets sets a histogram's buckets.
func WithHistogramBuckets(buckets []float64) HistogramOption {
	return func(o *prometheus.HistogramOpts) { o.Buckets = buckets }
}

// WithHistogramOpts takes a histogram's buckets and every native-histogram
// setting from opts. Its name, help and labels are ignored: those come from
// the metric table. Set NativeHistogramBucketFactor to make the histogram
// native; leave Buckets nil to make it native only.
func WithHistogramOpts(opts prometheus.HistogramOpts) HistogramOption {
	return func(o *prometheus.HistogramOpts) {
		o.Buckets = opts.Buckets
		o.NativeHistogramBucketFactor = opts.NativeHistogramBucketFactor
		o.NativeHistogramZeroThreshold = opts.NativeHistogramZeroThreshold
		o.NativeHistogramMaxBucketNumber = opts.NativeHistogramMaxBucketNumber
		o.NativeHistogramMinResetDuration = opts.NativeHistogramMinResetDuration
		o.NativeHistogramMaxZeroThreshold = opts.NativeHistogramMaxZeroThreshold
		o.NativeHistogramMaxExemplars = opts.NativeHistogramMaxExemplars
		o.NativeHistogramExemplarTTL = opts.NativeHistogramExemplarTTL
	}
}

func (c *config) enableHistogram(id metricID, opts []HistogramOption) {
	c.enabled[id] = true
	c.hist[id] = append(c.hist[id][:0:0], opts...)
}
