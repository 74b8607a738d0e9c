package grpc_prometheus

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// A CounterOption lets you add options to Counter metrics using With*
// funcs. Of the [prometheus.CounterOpts] an option sets, only ConstLabels
// are used: names and help texts come from grpcprom's metric table.
type CounterOption func(*prometheus.CounterOpts)

// WithConstLabels adds ConstLabels to the counter metrics. The labels
// also appear on the histograms of the same metrics (see the package
// documentation).
func WithConstLabels(labels prometheus.Labels) CounterOption {
	return func(o *prometheus.CounterOpts) {
		o.ConstLabels = labels
	}
}

// A HistogramOption lets you add options to Histogram metrics using With*
// funcs. Of the [prometheus.HistogramOpts] an option sets, only Buckets,
// ConstLabels and the NativeHistogram* settings are used: names and help
// texts come from grpcprom's metric table and cannot be changed.
type HistogramOption func(*prometheus.HistogramOpts)

// WithHistogramBuckets sets the buckets of a histogram enabled with
// EnableHandlingTimeHistogram or its siblings. They must increase.
func WithHistogramBuckets(buckets []float64) HistogramOption {
	return func(o *prometheus.HistogramOpts) {
		o.Buckets = buckets
	}
}

// WithHistogramConstLabels adds ConstLabels to a histogram.
func WithHistogramConstLabels(labels prometheus.Labels) HistogramOption {
	return func(o *prometheus.HistogramOpts) {
		o.ConstLabels = labels
	}
}

// counterConfig applies counter options to the opts go-grpc-prometheus
// starts from and keeps what the core can carry.
func counterConfig(side core.Side, opts []CounterOption) core.Config {
	var o prometheus.CounterOpts
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	cfg := core.Config{Side: side, ConstLabels: o.ConstLabels}
	// v1 has no panic counter; a drop-in exports v1's families.
	cfg.Disabled[core.Panics] = true
	return cfg
}

// histogramConfig applies histogram options to the opts go-grpc-prometheus
// starts from (the default buckets) and keeps what the core can carry.
// option names the enabling call in error messages.
func histogramConfig(option string, opts []HistogramOption) core.HistogramConfig {
	o := prometheus.HistogramOpts{Buckets: slices.Clone(prometheus.DefBuckets)}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return core.HistogramConfig{
		Option:      option,
		ConstLabels: o.ConstLabels,
		Buckets:     o.Buckets,

		NativeHistogramBucketFactor:     o.NativeHistogramBucketFactor,
		NativeHistogramZeroThreshold:    o.NativeHistogramZeroThreshold,
		NativeHistogramMaxBucketNumber:  o.NativeHistogramMaxBucketNumber,
		NativeHistogramMinResetDuration: o.NativeHistogramMinResetDuration,
		NativeHistogramMaxZeroThreshold: o.NativeHistogramMaxZeroThreshold,
		NativeHistogramMaxExemplars:     o.NativeHistogramMaxExemplars,
		NativeHistogramExemplarTTL:      o.NativeHistogramExemplarTTL,
	}
}

// newRecorder builds a recorder, panicking on a configuration mistake as
// the grpcprom constructors do.
func newRecorder(ctor string, cfg core.Config) *core.Recorder {
	r, err := core.New(cfg)
	if err != nil {
		panic("grpc_prometheus: " + ctor + ": " + err.Error())
	}
	return r
}

// enableHistogram turns on histogram id of r and returns its collector,
// panicking on a configuration mistake.
func enableHistogram(r *core.Recorder, id core.MetricID, option string, opts []HistogramOption) prometheus.Collector {
	c, err := r.EnableHistogram(id, histogramConfig(option, opts))
	if err != nil {
		panic("grpc_prometheus: " + err.Error())
	}
	return c
}
