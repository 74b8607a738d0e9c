package core

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
)

// series holds the resolved children of every metric for one label set
// (type, service, method and extra labels), so that the hot path never
// calls WithLabelValues.
type series struct {
	r      *Recorder
	values []string

	started     prometheus.Counter
	msgReceived prometheus.Counter
	msgSent     prometheus.Counter
	inFlight    prometheus.Gauge
	handling    prometheus.Observer
	streamRecv  prometheus.Observer
	streamSend  prometheus.Observer
	recvSize    prometheus.Observer
	sentSize    prometheus.Observer
	// timed is set when a handling-time histogram needs the RPC's start.
	timed bool
	// panicsVec resolves panics on the first panic.
	panicsVec *prometheus.CounterVec
	panics    atomic.Pointer[prometheus.Counter]

	// handledVec and handlingVec resolve byCode; handlingVec is set only
	// when the histogram carries the code label.
	handledVec  *prometheus.CounterVec
	handlingVec *prometheus.HistogramVec
	// byCode is filled lazily, so that only codes that occur get series
	// (InitializeMetrics fills all of them).
	byCode [NumCodes]atomic.Pointer[codeSeries]
}

// codeSeries holds the children that also carry the code label.
type codeSeries struct {
	handled  prometheus.Counter
	handling prometheus.Observer
}

func (r *Recorder) newSeries(typ RPCType, values []string) *series {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := &series{r: r, values: values}
	s.started = r.vecs[Started].counter.WithLabelValues(values...)
	s.handledVec = r.vecs[Handled].counter
	if v := r.vecs[Panics]; v != nil {
		s.panicsVec = v.counter
	}
	s.msgReceived = r.messageCounter(MsgReceived, typ, values)
	s.msgSent = r.messageCounter(MsgSent, typ, values)
	if v := r.vecs[InFlight]; v != nil {
		s.inFlight = v.gauge.WithLabelValues(values...)
	}
	if v := r.vecs[Handling]; v != nil {
		s.timed = true
		if r.hasCode(v.def) {
			s.handlingVec = v.hist
		} else {
			s.handling = v.hist.WithLabelValues(values...)
		}
	}
	if typ != Unary {
		s.streamRecv = r.observer(StreamRecv, values)
		s.streamSend = r.observer(StreamSend, values)
	}
	s.recvSize = r.observer(RecvSize, values)
	s.sentSize = r.observer(SentSize, values)
	return s
}

// messageCounter resolves a message counter, or nil where legacy mode
// does not count the messages of typ.
func (r *Recorder) messageCounter(id MetricID, typ RPCType, values []string) prometheus.Counter {
	v := r.vecs[id]
	if v == nil {
		return nil
	}
	if r.cfg.Legacy {
		switch v.def.LegacyCounting {
		case StreamedRequests:
			if !typ.StreamsRequests() {
				return nil
			}
		case StreamedResponses:
			if !typ.StreamsResponses() {
				return nil
			}
		}
	}
	return v.counter.WithLabelValues(values...)
}

func (r *Recorder) observer(id MetricID, values []string) prometheus.Observer {
	if v := r.vecs[id]; v != nil {
		return v.hist.WithLabelValues(values...)
	}
	return nil
}

// forCode returns the children for code, resolving them on first use.
func (s *series) forCode(c codes.Code) *codeSeries {
	c = ClampCode(c)
	if cs := s.byCode[c].Load(); cs != nil {
		return cs
	}
	values := append(append(make([]string, 0, len(s.values)+1), s.values...), CodeValues[s.r.values][c])
	cs := &codeSeries{handled: s.handledVec.WithLabelValues(values...)}
	if s.handlingVec != nil {
		cs.handling = s.handlingVec.WithLabelValues(values...)
	}
	// A concurrent first use resolves the same children; either store wins.
	s.byCode[c].Store(cs)
	return cs
}

// panicked returns the panic counter, resolving it on first use.
func (s *series) panicked() prometheus.Counter {
	if p := s.panics.Load(); p != nil {
		return *p
	}
	c := s.panicsVec.WithLabelValues(s.values...)
	s.panics.Store(&c)
	return c
}

// initialize creates every series of s at zero, for all codes.
func (s *series) initialize() {
	for c := codes.Code(0); c < NumCodes; c++ {
		s.forCode(c)
	}
	if s.panicsVec != nil {
		s.panicked()
	}
}
