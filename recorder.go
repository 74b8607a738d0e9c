package grpcprom

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
)

// recorder turns gRPC events into metric updates. The interceptors and the
// stats handler of one side are thin front ends over the same recorder, so
// they record the same series with the same semantics.
type recorder struct {
	side      side
	codeLabel string
	vecs      [numMetricIDs]*metricVec
	// timed is set when a handling-time histogram needs each RPC's start.
	timed    bool
	codeHist bool
	cache    seriesCache

	extra           []extraLabel
	labelValueLimit int
	exemplar        func(context.Context) prometheus.Labels
	// exemplarsDropped counts exemplars client_golang would reject; nil
	// without an exemplar function.
	exemplarsDropped prometheus.Counter
	// okWithoutResponse counts client RPCs gRPC ended without error and
	// without their response; nil on the server. Only the stats handler
	// can meet them, so it is collected once one was made.
	okWithoutResponse prometheus.Counter
	statsHandlerMade  atomic.Bool
}

// metricVec is one metric of the table, built for one collector.
type metricVec struct {
	def     metricDef
	counter *prometheus.CounterVec
	gauge   *prometheus.GaugeVec
	hist    *prometheus.HistogramVec
}

func (v *metricVec) collector() prometheus.Collector {
	switch {
	case v.counter != nil:
		return v.counter
	case v.gauge != nil:
		return v.gauge
	default:
		return v.hist
	}
}

var baseLabels = []string{"grpc_type", "grpc_service", "grpc_method"}

// reservedLabels are the label names grpcprom sets itself.
var reservedLabels = []string{"grpc_type", "grpc_service", "grpc_method", "grpc_code", "code"}

func newRecorder(cfg *config) *recorder {
	r := &recorder{side: cfg.side, codeLabel: "grpc_code", codeHist: cfg.codeHist, exemplar: cfg.exemplar}
	if cfg.legacy {
		r.codeLabel = "code"
		cfg.enabled[idHandling] = true
	}
	if err := validateConstLabels(cfg.constLabels); err != nil {
		panic(fmt.Sprintf("grpcprom: WithConstLabels: %v", err))
	}
	if err := validateExtraLabels(cfg.extra, cfg.constLabels); err != nil {
		panic(fmt.Sprintf("grpcprom: extra labels: %v", err))
	}
	r.extra = append([]extraLabel(nil), cfg.extra...)
	for i := range r.extra {
		r.extra[i].seen = &valueSet{}
	}
	r.labelValueLimit = cfg.labelValueLimit
	if r.labelValueLimit == 0 {
		r.labelValueLimit = DefaultLabelValueLimit
	}
	if r.exemplar != nil {
		r.exemplarsDropped = prometheus.NewCounter(prometheus.CounterOpts{
			Name:        prometheus.BuildFQName(cfg.namespace, cfg.subsystem, "grpcprom_exemplars_dropped_total"),
			Help:        "Exemplars dropped because Prometheus would reject them: over 128 runes, invalid UTF-8 or a bad label name.",
			ConstLabels: withLabel(cfg.constLabels, "side", cfg.side.String()),
		})
	}
	if cfg.side == clientSide {
		r.okWithoutResponse = prometheus.NewCounter(prometheus.CounterOpts{
			Name:        prometheus.BuildFQName(cfg.namespace, cfg.subsystem, "grpcprom_client_ok_without_response_total"),
			Help:        "Unary and client-streaming RPCs gRPC reported to the stats handler as successful although no response arrived; they are recorded with code Unknown.",
			ConstLabels: cfg.constLabels,
		})
	}
	for _, d := range metricTable {
		if d.side != cfg.side || (d.option != "" && !cfg.enabled[d.id]) {
			continue
		}
		r.vecs[d.id] = newMetricVec(cfg, d, r.labelsFor(d))
	}
	r.timed = r.vecs[idHandling] != nil
	limit := cfg.methodLimit
	if limit == 0 {
		limit = DefaultMethodLimit
	}
	r.cache.init(r, limit)
	return r
}

// labelsFor returns the label names of a metric, in the order series
// resolve their values.
func (r *recorder) labelsFor(d metricDef) []string {
	labels := append([]string(nil), baseLabels...)
	for _, l := range r.extra {
		labels = append(labels, l.name)
	}
	if d.code || (d.id == idHandling && r.codeHist) {
		labels = append(labels, r.codeLabel)
	}
	return labels
}

func newMetricVec(cfg *config, d metricDef, labels []string) *metricVec {
	name := prometheus.BuildFQName(cfg.namespace, cfg.subsystem, d.nameIn(cfg.legacy))
	v := &metricVec{def: d}
	switch d.kind {
	case kindCounter:
		v.counter = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: name, Help: d.help, ConstLabels: cfg.constLabels,
		}, labels)
	case kindGauge:
		v.gauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: name, Help: d.help, ConstLabels: cfg.constLabels,
		}, labels)
	case kindHistogram:
		opts := prometheus.HistogramOpts{Name: name, Help: d.help, ConstLabels: cfg.constLabels}
		opts.Buckets = prometheus.DefBuckets
		if d.unit == unitBytes {
			opts.Buckets = slices.Clone(DefaultSizeBuckets)
		}
		for _, o := range cfg.hist[d.id] {
			o(&opts)
		}
		if err := validateBuckets(opts.Buckets); err != nil {
			panic(fmt.Sprintf("grpcprom: buckets of %s: %v", name, err))
		}
		v.hist = prometheus.NewHistogramVec(opts, labels)
	}
	return v
}

func validateBuckets(b []float64) error {
	for i := 1; i < len(b); i++ {
		if b[i] <= b[i-1] {
			return fmt.Errorf("bucket %d (%g) is not greater than bucket %d (%g); buckets must increase", i, b[i], i-1, b[i-1])
		}
	}
	return nil
}

func validateConstLabels(l prometheus.Labels) error {
	for name := range l {
		if !validLabelName(name) {
			return fmt.Errorf("%q is not a valid label name", name)
		}
		if slices.Contains(reservedLabels, name) {
			return fmt.Errorf("label %q is set by grpcprom itself", name)
		}
	}
	return nil
}

// validLabelName reports whether name matches [a-zA-Z_][a-zA-Z0-9_]* and
// does not start with the reserved "__".
func validLabelName(name string) bool {
	if name == "" || strings.HasPrefix(name, "__") {
		return false
	}
	for i, c := range name {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// describe and collect make the recorder's metrics a prometheus.Collector.
func (r *recorder) describe(ch chan<- *prometheus.Desc) {
	for _, v := range r.vecs {
		if v != nil {
			v.collector().Describe(ch)
		}
	}
	if r.exemplarsDropped != nil {
		r.exemplarsDropped.Describe(ch)
	}
	if r.okWithoutResponse != nil {
		r.okWithoutResponse.Describe(ch)
	}
}

func (r *recorder) collect(ch chan<- prometheus.Metric) {
	for _, v := range r.vecs {
		if v != nil {
			v.collector().Collect(ch)
		}
	}
	if r.exemplarsDropped != nil {
		r.exemplarsDropped.Collect(ch)
	}
	if r.okWithoutResponse != nil && r.statsHandlerMade.Load() {
		r.okWithoutResponse.Collect(ch)
	}
}

// withLabel returns a copy of l with name set to value.
func withLabel(l prometheus.Labels, name, value string) prometheus.Labels {
	out := prometheus.Labels{name: value}
	for k, v := range l {
		out[k] = v
	}
	return out
}

// codeNames are the grpc_code values, indexed by code.
var codeNames = func() (names [numCodes]string) {
	for c := range names {
		names[c] = codes.Code(c).String()
	}
	return names
}()
