package core

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The counters and in-flight gauges with RPC labels are the recorder's
// own: a series keeps their values in atomic cells (striped, for those
// every call writes: stripes.go), and a family collector writes them out
// at scrape time. client_golang's vectors keep a child per label set with
// its own copy of the label pairs and a map entry to find it; the series
// cache already finds a method's series, so those children would only
// cost memory. Classic histograms are the recorder's own as well
// (histogram.go).

// cell is one counter or gauge value.
type cell struct{ n atomic.Int64 }

// exemplarCell is a counter that also keeps its last exemplar.
type exemplarCell struct {
	cell
	ex atomic.Pointer[dto.Exemplar]
}

// keep keeps ex, which checkExemplar has accepted, as the exemplar of an
// increment by 1, as client_golang's AddWithExemplar does.
func (c *exemplarCell) keep(ex prometheus.Labels) {
	c.ex.Store(newExemplar(ex, 1))
}

func sortPairs(p []*dto.LabelPair) {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].GetName() < p[j-1].GetName(); j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

// labelSet is what a family needs to write one series: its label values,
// the label pairs made from them (lazily, at the first scrape) and when
// the series was created.
type labelSet struct {
	values  []string
	pairs   atomic.Pointer[[]*dto.LabelPair]
	created *timestamppb.Timestamp
}

func newLabelSet(values []string) labelSet {
	return labelSet{values: values, created: timestamppb.New(time.Now())}
}

// labelPairs returns the series' label pairs for desc. Every family of
// the recorder that carries the same variable labels has the same const
// labels, so the pairs are shared among them.
func (l *labelSet) labelPairs(desc *prometheus.Desc) []*dto.LabelPair {
	if p := l.pairs.Load(); p != nil {
		return *p
	}
	p := prometheus.MakeLabelPairs(desc, l.values)
	l.pairs.Store(&p)
	return p
}

// family is the collector of one counter or gauge row with RPC labels.
type family struct {
	r    *Recorder
	id   MetricID
	desc *prometheus.Desc
	kind Kind
}

func (f *family) Describe(ch chan<- *prometheus.Desc) { ch <- f.desc }

func (f *family) Collect(ch chan<- prometheus.Metric) {
	f.r.cache.each(func(s *series) {
		switch f.id {
		case Started:
			f.emit(ch, &s.labels, sumHot(s.hot, func(h *hotCells) *atomic.Int64 { return &h.started }))
		case MsgReceived:
			if s.recvOn {
				f.emit(ch, &s.labels, sumHot(s.hot, func(h *hotCells) *atomic.Int64 { return &h.received }))
			}
		case MsgSent:
			if s.sentOn {
				f.emit(ch, &s.labels, sumHot(s.hot, func(h *hotCells) *atomic.Int64 { return &h.sent }))
			}
		case InFlight:
			f.emit(ch, &s.labels, sumHot(s.hot, func(h *hotCells) *atomic.Int64 { return &h.inFlight }))
		case Panics:
			if p := s.panics.Load(); p != nil {
				f.emit(ch, &s.labels, p.n.Load())
			}
		case Handled:
			for i := range s.byCode {
				if cs := s.byCode[i].Load(); cs != nil {
					n := cs.handled.n.Load()
					if codes.Code(i) == codes.OK {
						n += sumHot(s.hot, func(h *hotCells) *atomic.Int64 { return &h.ok })
					}
					ch <- &cellMetric{f: f, pairs: f.codePairs(s, &cs.labels, i), v: float64(n),
						ex: cs.handled.ex.Load(), created: cs.labels.created}
				}
			}
		}
	})
}

func (f *family) emit(ch chan<- prometheus.Metric, l *labelSet, n int64) {
	ch <- &cellMetric{f: f, pairs: l.labelPairs(f.desc), v: float64(n), created: l.created}
}

// codePairs returns the label pairs of code c's series of s: the pairs of
// s, which its other families share, and the recorder's one pair for c.
// Sharing the pairs keeps a method's 17 code series small.
func (f *family) codePairs(s *series, l *labelSet, c int) []*dto.LabelPair {
	if p := l.pairs.Load(); p != nil {
		return *p
	}
	base := s.labels.labelPairs(f.r.vecs[Started].fam.desc)
	code := f.r.codePair(c)
	p := make([]*dto.LabelPair, 0, len(base)+1)
	added := false
	for _, b := range base {
		if !added && code.GetName() < b.GetName() {
			p, added = append(p, code), true
		}
		p = append(p, b)
	}
	if !added {
		p = append(p, code)
	}
	l.pairs.Store(&p)
	return p
}

// cellMetric is one series as a family writes it.
type cellMetric struct {
	f       *family
	pairs   []*dto.LabelPair
	v       float64
	ex      *dto.Exemplar
	created *timestamppb.Timestamp
}

func (m *cellMetric) Desc() *prometheus.Desc { return m.f.desc }

func (m *cellMetric) Write(out *dto.Metric) error {
	out.Label = m.pairs
	if m.f.kind == Gauge {
		out.Gauge = &dto.Gauge{Value: &m.v}
		return nil
	}
	out.Counter = &dto.Counter{Value: &m.v, Exemplar: m.ex, CreatedTimestamp: m.created}
	return nil
}
