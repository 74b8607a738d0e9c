package core

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
)

// series holds everything one label set (type, service, method and extra
// labels) records: the counter cells, and the resolved histogram children,
// so that the hot path never calls WithLabelValues.
type series struct {
	r      *Recorder
	typ    RPCType
	labels labelSet

	// hot holds the counters every call writes, striped (stripes.go).
	hot []hotCells
	// recvOn and sentOn are false where legacy mode does not count the
	// messages of the series' type; inFlightOn without the gauge.
	recvOn, sentOn, inFlightOn bool

	// obs holds the histogram children; EnableHistogram can replace it.
	obs atomic.Pointer[observers]

	// panics is resolved by the first panic.
	panicsOn bool
	panics   atomic.Pointer[cell]

	// byCode is filled lazily, so that only codes that occur get series
	// (InitializeMetrics fills all of them).
	byCode [NumCodes]atomic.Pointer[codeSeries]
}

// observers are a series' histograms, nil where off.
type observers struct {
	handling   *hist
	streamRecv *hist
	streamSend *hist
	recvSize   *hist
	sentSize   *hist
	// handlingVec resolves the per-code handling histograms when they
	// carry the code label.
	handlingVec *prometheus.HistogramVec
	// timed is set when a handling-time histogram needs the RPC's start.
	timed bool
}

// codeSeries holds what also carries the code label.
type codeSeries struct {
	labels   labelSet
	handled  exemplarCell
	handling prometheus.Observer
}

func (r *Recorder) newSeries(typ RPCType, values []string) *series {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := &series{r: r, typ: typ, labels: newLabelSet(values), hot: make([]hotCells, r.stripes)}
	s.recvOn = r.counts(MsgReceived, typ)
	s.sentOn = r.counts(MsgSent, typ)
	for i := range s.hot {
		h := &s.hot[i]
		h.s, h.stripe, h.recvOn, h.sentOn = s, int32(i), s.recvOn, s.sentOn
	}
	s.inFlightOn = r.vecs[InFlight] != nil
	s.panicsOn = r.vecs[Panics] != nil
	s.obs.Store(r.observersFor(typ, values))
	return s
}

// counts reports whether the message counter id counts the messages of
// typ: legacy mode counts only stream messages.
func (r *Recorder) counts(id MetricID, typ RPCType) bool {
	v := r.vecs[id]
	if v == nil {
		return false
	}
	if r.cfg.Legacy {
		switch v.def.LegacyCounting {
		case StreamedRequests:
			return typ.StreamsRequests()
		case StreamedResponses:
			return typ.StreamsResponses()
		}
	}
	return true
}

// observersFor resolves the histogram children of a label set; r.mu is
// held.
func (r *Recorder) observersFor(typ RPCType, values []string) *observers {
	o := &observers{}
	if v := r.vecs[Handling]; v != nil {
		o.timed = true
		if r.hasCode(v.def) {
			o.handlingVec = v.hist
		} else {
			o.handling = r.observer(Handling, values)
		}
	}
	if typ != Unary {
		o.streamRecv = r.observer(StreamRecv, values)
		o.streamSend = r.observer(StreamSend, values)
	}
	o.recvSize = r.observer(RecvSize, values)
	o.sentSize = r.observer(SentSize, values)
	return o
}

func (r *Recorder) observer(id MetricID, values []string) *hist {
	switch v := r.vecs[id]; {
	case v == nil:
		return nil
	case v.own != nil:
		return v.own.newHist(values, r.stripes)
	default:
		return &hist{cg: v.hist.WithLabelValues(values...), unit: v.def.Unit}
	}
}

// get returns the histogram id of the series, nil when it is off.
func (o *observers) get(id MetricID) *hist {
	switch id {
	case Handling:
		return o.handling
	case StreamRecv:
		return o.streamRecv
	case StreamSend:
		return o.streamSend
	case RecvSize:
		return o.recvSize
	case SentSize:
		return o.sentSize
	}
	return nil
}

// forCode returns what carries code, resolving it on first use.
func (s *series) forCode(c codes.Code) *codeSeries {
	c = ClampCode(c)
	if cs := s.byCode[c].Load(); cs != nil {
		return cs
	}
	values := append(append(make([]string, 0, len(s.labels.values)+1), s.labels.values...), CodeValues[s.r.values][c])
	cs := &codeSeries{labels: newLabelSet(values)}
	if o := s.obs.Load(); o.handlingVec != nil {
		cs.handling = o.handlingVec.WithLabelValues(values...)
	}
	// A concurrent first use builds its own; the first store wins, so
	// that no count is lost.
	if s.byCode[c].CompareAndSwap(nil, cs) {
		return cs
	}
	return s.byCode[c].Load()
}

// panicked returns the panic counter, resolving it on first use.
func (s *series) panicked() *cell {
	if p := s.panics.Load(); p != nil {
		return p
	}
	s.panics.CompareAndSwap(nil, &cell{})
	return s.panics.Load()
}

// initialize creates every series of s at zero, for all codes.
func (s *series) initialize() {
	for c := codes.Code(0); c < NumCodes; c++ {
		s.forCode(c)
	}
	if s.panicsOn {
		s.panicked()
	}
}
