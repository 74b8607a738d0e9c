package core

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Recorder turns the events of RPCs into metric updates. Every front end
// (interceptors, stats handler, compatibility packages, connect-go) is a
// thin layer over one, through the seam in seam.go, so they all record the
// same series with the same meaning.
type Recorder struct {
	cfg       Config
	codeLabel string
	values    Values

	// mu guards vecs, which a late EnableHistogram can add to.
	mu   sync.RWMutex
	vecs [NumMetrics]*metricVec

	cache seriesCache
	extra []extraLabel
	// stripes is how many stripes each series has, and shift pickStripe's
	// argument for them.
	stripes int
	shift   uint

	exemplar         func(context.Context) prometheus.Labels
	exemplarsDropped prometheus.Counter
	// okWithoutResponse is collected once a stats handler was made,
	// since only a stats handler can meet such RPCs.
	okWithoutResponse prometheus.Counter
	statsHandlerMade  atomic.Bool
	// codePairs holds the code label's pair of each code, shared by
	// every series of the recorder.
	codePairs [NumCodes]atomic.Pointer[dto.LabelPair]
	// openConns and connsTotal are nil without WithConnectionMetrics.
	openConns  prometheus.Gauge
	connsTotal prometheus.Counter
}

// metricVec is one row of the table, built for one recorder.
type metricVec struct {
	def Def
	// own is a histogram row whose series the recorder keeps, hist one
	// client_golang keeps.
	own  *histFamily
	hist *prometheus.HistogramVec
	// single and gauge1 are the metrics without variable labels; fam
	// the counters and gauges with RPC labels, whose values series keep.
	single prometheus.Counter
	gauge1 prometheus.Gauge
	fam    *family
}

func (v *metricVec) collector() prometheus.Collector {
	switch {
	case v.fam != nil:
		return v.fam
	case v.single != nil:
		return v.single
	case v.gauge1 != nil:
		return v.gauge1
	case v.own != nil:
		return v.own
	default:
		return v.hist
	}
}

// New returns a recorder for cfg, or the first configuration mistake.
func New(cfg Config) (*Recorder, error) {
	cfg.ConstLabels = mergeLabels(cfg.ConstLabels, nil)
	cfg.Extra = slices.Clone(cfg.Extra)
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := &Recorder{cfg: cfg, codeLabel: "grpc_code", values: cfg.Values, exemplar: cfg.Exemplar, stripes: stripeCount()}
	r.shift = stripeShift(r.stripes)
	if cfg.Legacy {
		r.codeLabel = "code"
	}
	for _, l := range cfg.Extra {
		r.extra = append(r.extra, extraLabel{ExtraLabel: l, seen: &valueSet{}})
	}
	if r.exemplar != nil {
		r.cfg.Enabled[ExemplarsDropped] = true
	}
	if cfg.Side == Client {
		r.cfg.Enabled[OKWithoutResponse] = true
	}
	for _, d := range Table {
		if d.Side == cfg.Side && d.Family == cfg.Family && !cfg.Disabled[d.ID] && (d.Option == "" || r.cfg.Enabled[d.ID] || (d.Legacy && cfg.Legacy)) {
			r.vecs[d.ID] = r.newVec(d)
		}
	}
	if v := r.vecs[ExemplarsDropped]; v != nil {
		r.exemplarsDropped = v.single
	}
	if v := r.vecs[OKWithoutResponse]; v != nil {
		r.okWithoutResponse = v.single
	}
	if v := r.vecs[OpenConns]; v != nil {
		r.openConns, r.connsTotal = v.gauge1, r.vecs[ConnsTotal].single
	}
	r.cache.init(r, cfg.MethodLimit)
	return r, nil
}

// codePair returns the label pair of code c.
func (r *Recorder) codePair(c int) *dto.LabelPair {
	if p := r.codePairs[c].Load(); p != nil {
		return p
	}
	name, value := r.codeLabel, CodeValues[r.values][c]
	r.codePairs[c].CompareAndSwap(nil, &dto.LabelPair{Name: &name, Value: &value})
	return r.codePairs[c].Load()
}

// Side returns the side the recorder records.
func (r *Recorder) Side() Side { return r.cfg.Side }

// ConnectionMetrics reports whether WithConnectionMetrics is on, so that a
// front end installs what sees connections.
func (r *Recorder) ConnectionMetrics() bool { return r.openConns != nil }

// labelsFor returns the variable label names of a metric, in the order
// series resolve their values.
func (r *Recorder) labelsFor(d Def) []string {
	if d.Labels == NoLabels {
		return nil
	}
	labels := []string{"grpc_type", "grpc_service", "grpc_method"}
	for _, l := range r.extra {
		labels = append(labels, l.Name)
	}
	if r.hasCode(d) {
		labels = append(labels, r.codeLabel)
	}
	return labels
}

func (r *Recorder) hasCode(d Def) bool {
	return d.Code || (d.CodeOption && r.cfg.CodeOnHistograms)
}

func (r *Recorder) newVec(d Def) *metricVec {
	c := &r.cfg
	name := prometheus.BuildFQName(c.Namespace, c.Subsystem, d.NameIn(c.Legacy))
	labels := r.labelsFor(d)
	v := &metricVec{def: d}
	switch {
	case d.Kind == Counter && d.Labels == NoLabels:
		v.single = prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: d.Help, ConstLabels: c.ConstLabels})
	case d.Kind == Gauge && d.Labels == NoLabels:
		v.gauge1 = prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: d.Help, ConstLabels: c.ConstLabels})
	case d.Kind == Counter || d.Kind == Gauge:
		v.fam = &family{r: r, id: d.ID, kind: d.Kind, desc: prometheus.NewDesc(name, d.Help, labels, c.ConstLabels)}
	default:
		r.newHistVec(v, r.histogramOpts(d), labels)
	}
	return v
}

func (r *Recorder) histogramOpts(d Def) prometheus.HistogramOpts {
	c := &r.cfg
	h := c.Hist[d.ID]
	ns, sub := c.Namespace, c.Subsystem
	if h.Namespace != "" {
		ns = h.Namespace
	}
	if h.Subsystem != "" {
		sub = h.Subsystem
	}
	opts := prometheus.HistogramOpts{
		Name:        prometheus.BuildFQName(ns, sub, d.NameIn(c.Legacy)),
		Help:        d.Help,
		ConstLabels: mergeLabels(c.ConstLabels, h.ConstLabels),
		Buckets:     h.Buckets,

		NativeHistogramBucketFactor:     h.NativeHistogramBucketFactor,
		NativeHistogramZeroThreshold:    h.NativeHistogramZeroThreshold,
		NativeHistogramMaxBucketNumber:  h.NativeHistogramMaxBucketNumber,
		NativeHistogramMinResetDuration: h.NativeHistogramMinResetDuration,
		NativeHistogramMaxZeroThreshold: h.NativeHistogramMaxZeroThreshold,
		NativeHistogramMaxExemplars:     h.NativeHistogramMaxExemplars,
		NativeHistogramExemplarTTL:      h.NativeHistogramExemplarTTL,
	}
	// nil buckets mean the defaults, except on a native histogram, where
	// client_golang reads them as "native only".
	if opts.Buckets == nil && opts.NativeHistogramBucketFactor == 0 {
		switch {
		case d.Unit == Bytes:
			opts.Buckets = slices.Clone(DefaultSizeBuckets)
		case c.Legacy:
			opts.Buckets = slices.Clone(PythonBuckets)
		default:
			opts.Buckets = slices.Clone(prometheus.DefBuckets)
		}
	}
	return opts
}

// EnableHistogram turns on the histogram id after construction, as
// go-grpc-prometheus v1's EnableHandlingTimeHistogram does, and returns
// its collector. Series resolved before keep working; RPCs that begin
// afterwards observe the histogram. Enabling twice keeps the first.
func (r *Recorder) EnableHistogram(id MetricID, h HistogramConfig) (prometheus.Collector, error) {
	d, ok := Lookup(r.cfg.Side, id)
	if !ok || d.Kind != Histogram {
		return nil, errorf(h.Option, "no such histogram on the %s side", r.cfg.Side)
	}
	if err := checkBuckets(h.Option, h.Buckets); err != nil {
		return nil, err
	}
	if err := checkConstLabels(h.Option, h.ConstLabels); err != nil {
		return nil, err
	}
	if r.hasCode(d) {
		return nil, errorf(h.Option, "cannot be enabled after construction together with WithCodeOnHistograms")
	}
	r.mu.Lock()
	if r.vecs[id] == nil {
		r.cfg.Hist[id] = h
		r.cfg.Enabled[id] = true
		r.vecs[id] = r.newVec(d)
	}
	v := r.vecs[id]
	r.mu.Unlock()
	// Series made from now on resolve the histogram themselves; those
	// made before get it here. r.mu is taken per series, after the
	// cache's locks, in the order series creation takes them.
	r.cache.each(func(s *series) {
		r.mu.RLock()
		o := r.observersFor(s.typ, s.labels.values)
		r.mu.RUnlock()
		s.obs.Store(o)
	})
	return v.collector(), nil
}

// Describe implements prometheus.Collector.
func (r *Recorder) Describe(ch chan<- *prometheus.Desc) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.vecs {
		if v != nil {
			v.collector().Describe(ch)
		}
	}
}

// Collect implements prometheus.Collector.
func (r *Recorder) Collect(ch chan<- prometheus.Metric) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for id, v := range r.vecs {
		if v == nil || (MetricID(id) == OKWithoutResponse && !r.statsHandlerMade.Load()) {
			continue
		}
		v.collector().Collect(ch)
	}
}
