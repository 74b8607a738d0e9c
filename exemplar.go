package grpcprom

import (
	"context"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// WithExemplarFromContext attaches an exemplar, such as a trace ID, to the
// handled counter and to every enabled histogram (seconds and bytes). fn is
// called once per RPC, when it starts; a nil result means no exemplar.
//
// client_golang panics on an exemplar it rejects: more than 128 runes of
// names and values together, a value that is not valid UTF-8, or a bad
// label name. Such an exemplar is dropped instead and counted in
// grpcprom_exemplars_dropped_total{side="server"|"client"}; the RPC is
// recorded without it.
func WithExemplarFromContext(fn func(context.Context) prometheus.Labels) Option {
	return func(c *config) { c.exemplar = fn }
}

// checkExemplar returns ex if client_golang accepts it, and nil, counting
// the drop, if not.
func (r *recorder) checkExemplar(ex prometheus.Labels) prometheus.Labels {
	if len(ex) == 0 {
		return nil
	}
	runes := 0
	for name, value := range ex {
		if !validLabelName(name) || !utf8.ValidString(value) {
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
