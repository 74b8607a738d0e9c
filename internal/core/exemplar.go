package core

import (
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// ExemplarOK reports whether client_golang accepts ex as an exemplar: it
// panics on one with more than 128 runes of names and values, a value that
// is not valid UTF-8, or a bad label name.
func ExemplarOK(ex prometheus.Labels) bool {
	runes := 0
	for name, value := range ex {
		if !ValidLabelName(name) || !utf8.ValidString(value) {
			return false
		}
		runes += utf8.RuneCountInString(name) + utf8.RuneCountInString(value)
	}
	return runes <= prometheus.ExemplarMaxRunes
}

// checkExemplar returns ex if client_golang accepts it, and nil, counting
// the drop where the recorder has the counter, if not.
func (r *Recorder) checkExemplar(ex prometheus.Labels) prometheus.Labels {
	if len(ex) == 0 {
		return nil
	}
	if !ExemplarOK(ex) {
		if r.exemplarsDropped != nil {
			r.exemplarsDropped.Inc()
		}
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
