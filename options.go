package grpcprom

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// DefaultMethodLimit is the number of distinct method names a collector
// records before it folds further names into the catch-all series.
const DefaultMethodLimit = core.DefaultMethodLimit

// MaxMethodNameLength is the longest full method name, in bytes, that gets
// series of its own; longer names are recorded under the catch-all.
const MaxMethodNameLength = core.MaxMethodNameLength

// MaxLabelValueLength is the longest value, in bytes, an extra label keeps;
// longer values are cut at a character boundary.
const MaxLabelValueLength = core.MaxLabelValueLength

// DefaultLabelValueLimit is the number of distinct values each extra label
// records before further values fold into [OverflowLabelValue].
const DefaultLabelValueLimit = core.DefaultLabelValueLimit

// OverflowLabelValue stands for every value of an extra label past its
// limit of distinct values.
const OverflowLabelValue = core.OverflowLabelValue

// DefaultSizeBuckets are the default buckets of the message size
// histograms: powers of 4 from 64 B to 64 MiB.
var DefaultSizeBuckets = slices.Clone(core.DefaultSizeBuckets)

// LegacyBuckets are the default buckets of the handling-time histograms in
// legacy mode: those of the Python libraries (prometheus_client's
// defaults), which add 0.075, 0.75 and 7.5 to [prometheus.DefBuckets].
var LegacyBuckets = slices.Clone(core.PythonBuckets)

// ServerOption configures [NewServerMetrics]. Every [Option] is one.
type ServerOption interface {
	applyServer(*core.Config)
}

// ClientOption configures [NewClientMetrics]. Every [Option] is one.
type ClientOption interface {
	applyClient(*core.Config)
}

// Option configures both [NewServerMetrics] and [NewClientMetrics].
type Option func(*core.Config)

func (o Option) applyServer(c *core.Config) { o(c) }
func (o Option) applyClient(c *core.Config) { o(c) }

type serverOption func(*core.Config)

func (o serverOption) applyServer(c *core.Config) { o(c) }

type clientOption func(*core.Config)

func (o clientOption) applyClient(c *core.Config) { o(c) }

// HistogramOption configures one histogram: its buckets and, through
// [WithHistogramOpts], its native-histogram settings. Names, help texts
// and labels come from the metric table and cannot be changed.
type HistogramOption struct {
	apply func(*core.HistogramConfig)
}

// newRecorder resolves the options into a recorder: the one place where a
// configuration mistake panics, naming the constructor and the option.
func newRecorder(ctor string, cfg core.Config) *core.Recorder {
	r, err := core.New(cfg)
	if err != nil {
		panic(fmt.Sprintf("grpcprom: %s: %v", ctor, err))
	}
	return r
}

// WithLegacyMetrics exports the metric set of the Python
// (py-grpc-prometheus) and Java (java-grpc-prometheus) libraries, so that
// dashboards built on them keep working:
//   - the code label is named "code", and label values are spelled their
//     way: grpc_type="UNARY", code="NOT_FOUND" (see [WithJavaLabelValues]);
//   - the client's completion counter is grpc_client_completed_total;
//   - the handling-time histograms are always on, as
//     grpc_server_handled_latency_seconds and
//     grpc_client_completed_latency_seconds, with [LegacyBuckets] unless
//     WithServerHandlingTimeHistogram or WithClientHandlingTimeHistogram
//     give other buckets;
//   - message counters count only stream messages: the request of a unary
//     or server-streaming RPC, and the response of a unary or
//     client-streaming RPC, are not counted.
//
// Other opt-in metrics keep their names.
func WithLegacyMetrics() Option {
	return func(c *core.Config) { c.Legacy = true }
}

// WithJavaLabelValues keeps go-grpc-prometheus's metric and label names
// but spells label values as java-grpc-prometheus and the Python libraries
// do in their default mode: grpc_type="UNARY", "CLIENT_STREAMING",
// "SERVER_STREAMING", "BIDI_STREAMING", and grpc_code="OK", "CANCELLED",
// "NOT_FOUND" and the other canonical upper-case names. Legacy mode
// implies it.
func WithJavaLabelValues() Option {
	return func(c *core.Config) { c.Values = core.JavaValues }
}

// WithNamespace prefixes every metric name with namespace and an underscore.
func WithNamespace(namespace string) Option {
	return func(c *core.Config) { c.Namespace = namespace }
}

// WithSubsystem inserts subsystem and an underscore between the namespace
// and every metric name.
func WithSubsystem(subsystem string) Option {
	return func(c *core.Config) { c.Subsystem = subsystem }
}

// WithConstLabels adds labels with fixed values to every metric. The
// constructor panics on a name that is invalid or that grpcprom sets
// itself.
func WithConstLabels(labels prometheus.Labels) Option {
	return func(c *core.Config) {
		if c.ConstLabels == nil {
			c.ConstLabels = prometheus.Labels{}
		}
		for k, v := range labels {
			c.ConstLabels[k] = v
		}
	}
}

// WithMethodLimit sets how many distinct method names get series of their
// own before further names are recorded under grpc_service="unknown",
// grpc_method="unknown". The default is [DefaultMethodLimit]. The
// constructor panics if limit is less than 1.
func WithMethodLimit(limit int) Option {
	return func(c *core.Config) { c.MethodLimit, c.MethodLimitGiven = limit, true }
}

// WithInFlightGauge enables grpc_server_in_flight_rpcs or
// grpc_client_in_flight_rpcs: the number of RPCs started and not yet
// completed.
func WithInFlightGauge() Option {
	return func(c *core.Config) { c.Enabled[core.InFlight] = true }
}

// WithMessageSizeHistogram enables the histograms of received and sent
// message sizes (grpc_server_msg_received_size_bytes and the like), one
// observation per message of its uncompressed size. The default buckets are
// [DefaultSizeBuckets]. Only the stats handler sees message sizes: with
// interceptors alone these histograms stay empty.
func WithMessageSizeHistogram(opts ...HistogramOption) Option {
	return func(c *core.Config) {
		enableHistogram(c, core.RecvSize, "WithMessageSizeHistogram", opts)
		enableHistogram(c, core.SentSize, "WithMessageSizeHistogram", opts)
	}
}

// WithCodeOnHistograms adds the code label (grpc_code, or code in legacy
// mode) to the handling-time histograms, so that latency can be split by
// outcome. It multiplies their series by the number of codes that occur,
// up to 17.
func WithCodeOnHistograms() Option {
	return func(c *core.Config) { c.CodeOnHistograms = true }
}

// WithServerHandlingTimeHistogram enables grpc_server_handling_seconds, the
// time from the start of each RPC to its completion. The default buckets are
// [prometheus.DefBuckets].
func WithServerHandlingTimeHistogram(opts ...HistogramOption) ServerOption {
	return serverOption(func(c *core.Config) {
		enableHistogram(c, core.Handling, "WithServerHandlingTimeHistogram", opts)
	})
}

// WithClientHandlingTimeHistogram enables grpc_client_handling_seconds, the
// time from the start of each RPC to its completion as the client sees it.
func WithClientHandlingTimeHistogram(opts ...HistogramOption) ClientOption {
	return clientOption(func(c *core.Config) {
		enableHistogram(c, core.Handling, "WithClientHandlingTimeHistogram", opts)
	})
}

// WithClientStreamRecvHistogram enables
// grpc_client_msg_recv_handling_seconds: one observation per RecvMsg call
// on a client stream, of the time that call took. Only the interceptors
// see the caller's calls: with the stats handler it stays empty.
func WithClientStreamRecvHistogram(opts ...HistogramOption) ClientOption {
	return clientOption(func(c *core.Config) {
		enableHistogram(c, core.StreamRecv, "WithClientStreamRecvHistogram", opts)
	})
}

// WithClientStreamSendHistogram enables
// grpc_client_msg_send_handling_seconds: one observation per SendMsg call
// on a client stream, of the time that call took. Only the interceptors
// see the caller's calls: with the stats handler it stays empty.
func WithClientStreamSendHistogram(opts ...HistogramOption) ClientOption {
	return clientOption(func(c *core.Config) {
		enableHistogram(c, core.StreamSend, "WithClientStreamSendHistogram", opts)
	})
}

func enableHistogram(c *core.Config, id core.MetricID, option string, opts []HistogramOption) {
	c.Enabled[id] = true
	h := core.HistogramConfig{Option: option}
	for _, o := range opts {
		if o.apply != nil {
			o.apply(&h)
		}
	}
	c.Hist[id] = h
}

// WithHistogramBuckets sets a histogram's buckets, which must increase.
func WithHistogramBuckets(buckets []float64) HistogramOption {
	return HistogramOption{func(h *core.HistogramConfig) { h.Buckets = buckets }}
}

// WithHistogramOpts takes a histogram's buckets and every native-histogram
// setting from opts. Its name, help and labels are ignored: those come from
// the metric table. Set NativeHistogramBucketFactor to make the histogram
// native; leave Buckets nil to make it native only.
func WithHistogramOpts(opts prometheus.HistogramOpts) HistogramOption {
	return HistogramOption{func(h *core.HistogramConfig) {
		h.Buckets = opts.Buckets
		h.NativeHistogramBucketFactor = opts.NativeHistogramBucketFactor
		h.NativeHistogramZeroThreshold = opts.NativeHistogramZeroThreshold
		h.NativeHistogramMaxBucketNumber = opts.NativeHistogramMaxBucketNumber
		h.NativeHistogramMinResetDuration = opts.NativeHistogramMinResetDuration
		h.NativeHistogramMaxZeroThreshold = opts.NativeHistogramMaxZeroThreshold
		h.NativeHistogramMaxExemplars = opts.NativeHistogramMaxExemplars
		h.NativeHistogramExemplarTTL = opts.NativeHistogramExemplarTTL
	}}
}

// WithLabelsFromMetadata adds one label per metadata key, named after the
// key in lower case with "-" replaced by "_" ("x-tenant" becomes
// x_tenant). The server reads the incoming metadata, the client the
// outgoing metadata; a missing key gives "".
//
// The values come from callers, so they are made safe: invalid UTF-8 is
// replaced, values are cut to [MaxLabelValueLength] bytes, and each label
// records at most [DefaultLabelValueLimit] distinct values (see
// [WithLabelValueLimit]) before folding the rest into
// [OverflowLabelValue]. The constructor panics if a key cannot become a
// label name.
func WithLabelsFromMetadata(keys ...string) Option {
	return func(c *core.Config) {
		for _, k := range keys {
			name := strings.ReplaceAll(strings.ToLower(k), "-", "_")
			c.Extra = append(c.Extra, core.ExtraLabel{
				Name: name, Key: strings.ToLower(k),
				Option: fmt.Sprintf("WithLabelsFromMetadata(%q)", k),
			})
		}
	}
}

// WithContextLabel adds a label named name whose value value computes from
// each RPC's context, for example a tenant an authentication interceptor
// stored there. Each label has its own function, so names and values
// cannot disagree. Values get the same protection as
// [WithLabelsFromMetadata]'s. The constructor panics if name is not a valid
// label name or value is nil.
func WithContextLabel(name string, value func(context.Context) string) Option {
	return func(c *core.Config) {
		c.Extra = append(c.Extra, core.ExtraLabel{
			Name: name, FromContext: value, Option: fmt.Sprintf("WithContextLabel(%q)", name),
		})
	}
}

// WithLabelValueLimit sets how many distinct values each extra label
// records before folding further values into [OverflowLabelValue]. The
// default is [DefaultLabelValueLimit]. The constructor panics if limit is
// less than 1.
func WithLabelValueLimit(limit int) Option {
	return func(c *core.Config) { c.LabelValueLimit, c.LabelValueLimitGiven = limit, true }
}

// WithMethodFilter records only the RPCs whose full method name
// ("/package.Service/Method") record accepts: for the others nothing is
// recorded at all, no series is created, and InitializeMetrics skips them.
// record runs once per distinct name, whose answer is cached within the
// method limit; past it, record runs on each call and nothing is cached.
// Several filters must all accept a name. The constructor panics if
// record is nil.
func WithMethodFilter(record func(fullMethod string) bool) Option {
	return func(c *core.Config) { c.Filters = append(c.Filters, record) }
}

// HealthServicePrefix is the method prefix of gRPC's standard health
// service, grpc.health.v1.Health.
const HealthServicePrefix = "/grpc.health.v1.Health/"

// WithoutHealthChecks skips the RPCs of gRPC's standard health service
// (/grpc.health.v1.Health/Check and /Watch), which load balancers and
// orchestrators call often enough to flood the counters and drag latency
// quantiles down. It is a [WithMethodFilter].
func WithoutHealthChecks() Option {
	return WithMethodFilter(func(fullMethod string) bool {
		return !strings.HasPrefix(fullMethod, HealthServicePrefix)
	})
}

// WithConnectionMetrics enables grpc_server_open_connections and
// grpc_server_connections_total (or the grpc_client_ ones): connections
// open now and accepted (established) in total, without address labels.
// Only a stats handler sees connections: [ServerMetrics.StatsHandler]
// records them, and so do [ServerMetrics.ServerOptions] and
// [ClientMetrics.DialOptions], which add a stats handler for connections
// beside the interceptors. Interceptors installed by hand do not.
func WithConnectionMetrics() Option {
	return func(c *core.Config) {
		c.Enabled[core.OpenConns] = true
		c.Enabled[core.ConnsTotal] = true
	}
}

// WithClientAttemptMetrics records each attempt of a call beside the call:
// grpc_client_attempt_started_total, grpc_client_attempt_handled_total and,
// with [WithClientHandlingTimeHistogram], grpc_client_attempt_handling_seconds.
// gRPC retries a call in several attempts under a retry policy; attempts
// minus calls is then the number of retries. [ClientMetrics.DialOptions]
// installs the interceptors for calls and a stats handler for attempts.
// Calls and attempts have separate series, so neither counts the other.
func WithClientAttemptMetrics() ClientOption {
	return clientOption(func(c *core.Config) { c.AttemptMetrics = true })
}

// WithExemplarFromContext attaches an exemplar, such as a trace ID, to the
// handled counter and to every enabled histogram (seconds and bytes). fn is
// called once per RPC, when it starts; a nil result means no exemplar.
//
// client_golang panics on an exemplar it rejects: more than 128 runes of
// names and values together, a value that is not valid UTF-8, or a bad
// label name. Such an exemplar is dropped instead and counted in
// grpcprom_server_exemplars_dropped_total or
// grpcprom_client_exemplars_dropped_total; the RPC is recorded without it.
func WithExemplarFromContext(fn func(context.Context) prometheus.Labels) Option {
	return func(c *core.Config) { c.Exemplar = fn }
}
