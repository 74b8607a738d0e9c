package core

import (
	"math"
	"slices"
	"sort"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Classic histograms with RPC labels are the recorder's own, striped like
// the counters (stripes.go): a call writes one bucket and the sum on its
// stripe. The count is the sum of the buckets, which keeps the two
// consistent at every scrape. The sum stays a float64, as client_golang
// keeps it: an int64 of nanoseconds would overflow after 292 years of
// handling time, ten days for a server that handles 100 000 calls of
// 100 ms a second. Native histograms, and handling-time histograms with
// the code label, stay client_golang's.

// histFamily is the collector of one histogram row whose series are the
// recorder's own.
type histFamily struct {
	r      *Recorder
	id     MetricID
	desc   *prometheus.Desc
	bounds []float64
	unit   Unit
}

// newHistVec sets v up for opts: the recorder's own histogram, or
// client_golang's for native histograms, for a code label, and for a
// const label client_golang rejects ("le"), so that it panics as before.
func (r *Recorder) newHistVec(v *metricVec, opts prometheus.HistogramOpts, labels []string) {
	_, le := opts.ConstLabels["le"]
	if opts.NativeHistogramBucketFactor > 1 || r.hasCode(v.def) || le {
		v.hist, v.own = prometheus.NewHistogramVec(opts, labels), nil
		return
	}
	bounds := slices.Clone(opts.Buckets)
	if len(bounds) == 0 {
		bounds = slices.Clone(prometheus.DefBuckets)
	}
	if math.IsInf(bounds[len(bounds)-1], +1) {
		bounds = bounds[:len(bounds)-1]
	}
	v.hist = nil
	v.own = &histFamily{r: r, id: v.def.ID, bounds: bounds, unit: v.def.Unit,
		desc: prometheus.NewDesc(opts.Name, opts.Help, labels, opts.ConstLabels)}
}

// hist is one series of a histogram: the recorder's own cells, or cg, a
// client_golang child.
type hist struct {
	f    *histFamily
	cg   prometheus.Observer
	unit Unit
	// cells holds, per stripe, the sum's bits and then the count of each
	// bucket, +Inf last; stride is a whole number of cache lines.
	cells  []atomic.Uint64
	stride int
	// ex holds the last exemplar of each bucket, once there is one.
	ex      atomic.Pointer[[]atomic.Pointer[dto.Exemplar]]
	pairs   atomic.Pointer[[]*dto.LabelPair]
	values  []string
	created *timestamppb.Timestamp
}

func (f *histFamily) newHist(values []string, stripes int) *hist {
	stride := (len(f.bounds) + 2 + 7) &^ 7
	return &hist{f: f, unit: f.unit, cells: make([]atomic.Uint64, stripes*stride), stride: stride,
		values: values, created: timestamppb.New(time.Now())}
}

// observe records raw nanoseconds (or bytes, for a size histogram) on
// stripe, with the exemplar ex unless it is nil.
func (h *hist) observe(stripe int, raw int64, ex prometheus.Labels) {
	v := float64(raw)
	if h.unit == Seconds {
		// One correctly rounded division, where Duration.Seconds
		// takes two integer ones and rounds twice past a second.
		v /= 1e9
	}
	if h.cg != nil {
		observe(h.cg, v, ex)
		return
	}
	b := h.f.bounds
	i := 0
	if len(b) < 32 {
		for i < len(b) && v > b[i] {
			i++
		}
	} else {
		i = sort.SearchFloat64s(b, v)
	}
	cells := h.cells[stripe*h.stride : (stripe+1)*h.stride]
	for {
		old := cells[0].Load()
		if cells[0].CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			break
		}
	}
	cells[1+i].Add(1)
	if ex != nil {
		h.exemplars()[i].Store(newExemplar(ex, v))
	}
}

func (h *hist) exemplars() []atomic.Pointer[dto.Exemplar] {
	if p := h.ex.Load(); p != nil {
		return *p
	}
	e := make([]atomic.Pointer[dto.Exemplar], len(h.f.bounds)+1)
	h.ex.CompareAndSwap(nil, &e)
	return *h.ex.Load()
}

// Collect writes every series of the family.
func (f *histFamily) Collect(ch chan<- prometheus.Metric) {
	f.r.cache.each(func(s *series) {
		if h := s.obs.Load().get(f.id); h != nil && h.f == f {
			ch <- histMetric{h}
		}
	})
}

// Describe implements prometheus.Collector.
func (f *histFamily) Describe(ch chan<- *prometheus.Desc) { ch <- f.desc }

// histMetric is one series of a histFamily as a scrape writes it.
type histMetric struct{ h *hist }

func (m histMetric) Desc() *prometheus.Desc { return m.h.f.desc }

// Write writes the histogram as client_golang writes a classic one: the
// cumulative buckets without +Inf, which only appears to carry an
// exemplar.
func (m histMetric) Write(out *dto.Metric) error {
	h, f := m.h, m.h.f
	counts := make([]uint64, len(f.bounds)+1)
	var sum float64
	for s := 0; s < len(h.cells); s += h.stride {
		sum += math.Float64frombits(h.cells[s].Load())
		for i := range counts {
			counts[i] += h.cells[s+1+i].Load()
		}
	}
	var exs []atomic.Pointer[dto.Exemplar]
	if p := h.ex.Load(); p != nil {
		exs = *p
	}
	// One slice each for the buckets and their values, which the
	// scrape's reader owns, instead of one allocation per field.
	n := len(f.bounds)
	buckets := make([]dto.Bucket, n+1)
	bounds := append(slices.Clone(f.bounds), math.Inf(+1))
	cums := make([]uint64, n+1)
	his := &dto.Histogram{Bucket: make([]*dto.Bucket, n, n+1), CreatedTimestamp: h.created}
	var cum uint64
	for i := range counts {
		cum += counts[i]
		cums[i] = cum
		buckets[i].CumulativeCount, buckets[i].UpperBound = &cums[i], &bounds[i]
		if exs != nil {
			buckets[i].Exemplar = exs[i].Load()
		}
	}
	for i := range n {
		his.Bucket[i] = &buckets[i]
	}
	if buckets[n].Exemplar != nil {
		his.Bucket = append(his.Bucket, &buckets[n])
	}
	his.SampleCount = &cums[n]
	his.SampleSum = &sum
	out.Histogram = his
	out.Label = h.labelPairs()
	return nil
}

func (h *hist) labelPairs() []*dto.LabelPair {
	if p := h.pairs.Load(); p != nil {
		return *p
	}
	p := prometheus.MakeLabelPairs(h.f.desc, h.values)
	h.pairs.Store(&p)
	return p
}

// newExemplar makes the exemplar of an observation of v, with the labels
// in name order, as client_golang's checks have accepted them.
func newExemplar(ex prometheus.Labels, v float64) *dto.Exemplar {
	pairs := make([]*dto.LabelPair, 0, len(ex))
	for name, value := range ex {
		pairs = append(pairs, &dto.LabelPair{Name: &name, Value: &value})
	}
	sortPairs(pairs)
	return &dto.Exemplar{Label: pairs, Value: &v, Timestamp: timestamppb.Now()}
}
