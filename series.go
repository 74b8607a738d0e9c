package grpcprom

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
)

// series holds the resolved children of every metric for one label set
// (type, service, method), so that the hot path never calls
// WithLabelValues.
type series struct {
	r      *recorder
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

	// byCode is filled lazily, so that only codes that occur get series
	// (InitializeMetrics fills all of them).
	byCode [numCodes]atomic.Pointer[codeSeries]
}

// codeSeries holds the children that also carry the code label.
type codeSeries struct {
	handled  prometheus.Counter
	handling prometheus.Observer
}

func (r *recorder) newSeries(values []string) *series {
	s := &series{r: r, values: values}
	s.started = r.vecs[idStarted].counter.WithLabelValues(values...)
	s.msgReceived = r.vecs[idMsgReceived].counter.WithLabelValues(values...)
	s.msgSent = r.vecs[idMsgSent].counter.WithLabelValues(values...)
	if v := r.vecs[idInFlight]; v != nil {
		s.inFlight = v.gauge.WithLabelValues(values...)
	}
	if v := r.vecs[idHandling]; v != nil && !r.codeHist {
		s.handling = v.hist.WithLabelValues(values...)
	}
	if values[0] != rpcTypeNames[typeUnary] {
		s.streamRecv = r.observer(idStreamRecv, values)
		s.streamSend = r.observer(idStreamSend, values)
	}
	s.recvSize = r.observer(idRecvSize, values)
	s.sentSize = r.observer(idSentSize, values)
	return s
}

func (r *recorder) observer(id metricID, values []string) prometheus.Observer {
	if v := r.vecs[id]; v != nil {
		return v.hist.WithLabelValues(values...)
	}
	return nil
}

// forCode returns the children for code, resolving them on first use.
func (s *series) forCode(c codes.Code) *codeSeries {
	c = clampCode(c)
	if cs := s.byCode[c].Load(); cs != nil {
		return cs
	}
	values := append(append(make([]string, 0, len(s.values)+1), s.values...), codeNames[c])
	cs := &codeSeries{handled: s.r.vecs[idHandled].counter.WithLabelValues(values...)}
	if v := s.r.vecs[idHandling]; v != nil && s.r.codeHist {
		cs.handling = v.hist.WithLabelValues(values...)
	}
	// A concurrent first use resolves the same children; either store wins.
	s.byCode[c].Store(cs)
	return cs
}

// initialize creates every series of s at zero, for all codes.
func (s *series) initialize() {
	for c := codes.Code(0); c < numCodes; c++ {
		s.forCode(c)
	}
}
