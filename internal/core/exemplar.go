package core

import (
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// checkExemplar returns ex if client_golang accepts it, and nil, counting
// the drop, if not: client_golang panics on an exemplar it rejects.
func (r *Recorder) checkExemplar(ex prometheus.Labels) prometheus.Labels {
	if len(ex) == 0 {
		return nil
	}
	runes := 0
	for name, value := range ex {
		if !ValidLabelName(name) || !utf8.ValidString(value) {
			r.exemplarsDropped.Inc()
			return nil
		}
		runes += utf8.RuneCountInString(name) + utf8.RuneCountInString(value)
	}
	if runes > prometheus.ExemplarMaxRunes {
		r.exemplarsDropped.Inc()
		return nil
	}
	return ex
}

// observe records v on h, with the exemplar ex unless it is nil.
func observe(h prometheus.Observer, v float64, ex prometheus.Labels) {
	if ex != nil {
		h.(prometheus.ExemplarObserver).ObserveWithExemplar(v, ex)
		return
	}
	h.Observe(v)
}
