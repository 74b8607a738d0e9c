package prometheus

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// A CounterOption sets the namespace, subsystem or const labels of the
// counters. It is applied to an empty prometheus.CounterOpts, of which
// only Namespace, Subsystem and ConstLabels are used: a counter's name and
// help cannot be changed.
type CounterOption func(*prometheus.CounterOpts)

// WithConstLabels gives the counters labels with fixed values. It
// replaces the const labels of an earlier WithConstLabels. The constructor
// panics on a name that is invalid or that the metrics set themselves,
// such as grpc_code.
func WithConstLabels(labels prometheus.Labels) CounterOption {
	return func(o *prometheus.CounterOpts) { o.ConstLabels = labels }
}

// WithNamespace prefixes the counters' names with namespace and an
// underscore.
func WithNamespace(namespace string) CounterOption {
	return func(o *prometheus.CounterOpts) { o.Namespace = namespace }
}

// WithSubsystem inserts subsystem and an underscore between the namespace
// and the counters' names.
func WithSubsystem(subsystem string) CounterOption {
	return func(o *prometheus.CounterOpts) { o.Subsystem = subsystem }
}

// A HistogramOption configures one histogram. It is applied to an empty
// prometheus.HistogramOpts, of which Namespace, Subsystem, ConstLabels,
// Buckets and the NativeHistogram settings are used: a histogram's name
// and help cannot be changed. A histogram takes no namespace, subsystem or
// const labels from the counters.
type HistogramOption func(*prometheus.HistogramOpts)

// WithHistogramBuckets sets the histogram's buckets, which must increase;
// the default is prometheus.DefBuckets. The constructor panics, naming the
// option that enabled the histogram, on buckets that do not increase.
func WithHistogramBuckets(buckets []float64) HistogramOption {
	return func(o *prometheus.HistogramOpts) { o.Buckets = buckets }
}

// WithHistogramOpts takes the histogram's buckets and all of its
// native-histogram settings from opts; its name, help, namespace,
// subsystem and labels are ignored. Set NativeHistogramBucketFactor to
// make the histogram native, and leave Buckets nil to make it native
// only. A nil opts changes nothing.
func WithHistogramOpts(opts *prometheus.HistogramOpts) HistogramOption {
	return func(o *prometheus.HistogramOpts) {
		if opts == nil {
			return
		}
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

// WithHistogramConstLabels gives the histogram labels with fixed values,
// replacing those of an earlier WithHistogramConstLabels.
func WithHistogramConstLabels(labels prometheus.Labels) HistogramOption {
	return func(o *prometheus.HistogramOpts) { o.ConstLabels = labels }
}

// WithHistogramNamespace prefixes the histogram's name with namespace and
// an underscore.
func WithHistogramNamespace(namespace string) HistogramOption {
	return func(o *prometheus.HistogramOpts) { o.Namespace = namespace }
}

// WithHistogramSubsystem inserts subsystem and an underscore between the
// histogram's namespace and its name.
func WithHistogramSubsystem(subsystem string) HistogramOption {
	return func(o *prometheus.HistogramOpts) { o.Subsystem = subsystem }
}

// exemplarFromCtxFn computes an RPC's exemplar from its context.
type exemplarFromCtxFn func(ctx context.Context) prometheus.Labels

// labelsFromCtxFn computes an RPC's context-label values from its context.
type labelsFromCtxFn func(ctx context.Context) prometheus.Labels

// config is what the Options of one interceptor set.
type config struct {
	exemplarFn exemplarFromCtxFn
	labelsFn   labelsFromCtxFn
}

// An Option configures one interceptor: pass it to the interceptor
// methods of ServerMetrics and ClientMetrics.
type Option func(*config)

// WithExemplarFromContext makes the interceptor attach the labels exemplarFn
// returns, such as a trace ID, as the exemplar of the handled counter and
// of the histograms of each RPC. It is called once per RPC, when the RPC
// starts; a nil or empty result means no exemplar.
//
// An exemplar Prometheus would reject (more than 128 runes of names and
// values together, a value that is not valid UTF-8, or a bad label name)
// is dropped, and counted in grpcprom_server_exemplars_dropped_total or
// grpcprom_client_exemplars_dropped_total, which are exported once an
// interceptor has this option. The RPC is recorded without it.
func WithExemplarFromContext(exemplarFn exemplarFromCtxFn) Option {
	return func(c *config) { c.exemplarFn = exemplarFn }
}

// WithLabelsFromContext makes the interceptor take the values of the
// labels declared with WithContextLabels or WithClientContextLabels from
// the map labelsFn returns, once per RPC when it starts. Names the map has
// but nobody declared are ignored; declared names it lacks get "". An
// interceptor without this option gives every context label "".
//
// The values are made safe: invalid UTF-8 is replaced, values are cut to
// 128 bytes, and each label records at most 100 distinct values, further
// ones becoming "__overflow__".
func WithLabelsFromContext(labelsFn labelsFromCtxFn) Option {
	return func(c *config) { c.labelsFn = labelsFn }
}

// histogramChoice is a histogram some option enabled.
type histogramChoice struct {
	on   bool
	opts []HistogramOption
}

// resolved is what the constructor options of either side resolve to.
type resolved struct {
	counterOpts   []CounterOption
	hist          [core.NumMetrics]histogramChoice
	contextLabels []string
}

// histogramOptions names the option that enables each histogram of a side.
var histogramOptions = [2][core.NumMetrics]string{
	core.Server: {core.Handling: "WithServerHandlingTimeHistogram"},
	core.Client: {
		core.Handling:   "WithClientHandlingTimeHistogram",
		core.StreamRecv: "WithClientStreamRecvHistogram",
		core.StreamSend: "WithClientStreamSendHistogram",
	},
}

// contextLabelOption names the option that declares context labels.
var contextLabelOption = [2]string{core.Server: "WithContextLabels", core.Client: "WithClientContextLabels"}

// coreConfig turns the options into the core's configuration.
func (o *resolved) coreConfig(side core.Side) core.Config {
	var counters prometheus.CounterOpts
	for _, co := range o.counterOpts {
		if co != nil {
			co(&counters)
		}
	}
	cfg := core.Config{
		Side:        side,
		Namespace:   counters.Namespace,
		Subsystem:   counters.Subsystem,
		ConstLabels: counters.ConstLabels,
	}
	// Upstream has no panic counter; a drop-in exports upstream's families.
	cfg.Disabled[core.Panics] = true
	for id, h := range o.hist {
		if h.on {
			cfg.Enabled[id] = true
			cfg.Hist[id] = histogramConfig(histogramOptions[side][id], h.opts)
		}
	}
	for _, name := range o.contextLabels {
		cfg.Extra = append(cfg.Extra, core.ExtraLabel{
			Name: name, Key: name,
			Option: fmt.Sprintf("%s(%q)", contextLabelOption[side], name),
		})
	}
	return cfg
}

// histogramConfig applies opts to an empty HistogramOpts and keeps what
// may be configured.
func histogramConfig(option string, opts []HistogramOption) core.HistogramConfig {
	var ho prometheus.HistogramOpts
	for _, o := range opts {
		if o != nil {
			o(&ho)
		}
	}
	return core.HistogramConfig{
		Option:      option,
		Namespace:   ho.Namespace,
		Subsystem:   ho.Subsystem,
		ConstLabels: ho.ConstLabels,
		Buckets:     ho.Buckets,

		NativeHistogramBucketFactor:     ho.NativeHistogramBucketFactor,
		NativeHistogramZeroThreshold:    ho.NativeHistogramZeroThreshold,
		NativeHistogramMaxBucketNumber:  ho.NativeHistogramMaxBucketNumber,
		NativeHistogramMinResetDuration: ho.NativeHistogramMinResetDuration,
		NativeHistogramMaxZeroThreshold: ho.NativeHistogramMaxZeroThreshold,
		NativeHistogramMaxExemplars:     ho.NativeHistogramMaxExemplars,
		NativeHistogramExemplarTTL:      ho.NativeHistogramExemplarTTL,
	}
}
