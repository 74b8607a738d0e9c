package core

import "github.com/prometheus/client_golang/prometheus"

// NewSeparateHistograms is New for front ends whose histograms are named
// and labelled apart from the counters, as go-grpc-middleware's
// providers/prometheus does: each histogram takes its namespace, subsystem
// and const labels from its HistogramConfig only, and the Config's apply
// to the other metrics alone. A histogram may then repeat a const label of
// the collector's, but not one of the variable labels. EnableHistogram on
// the recorder it returns names and labels a histogram as New does.
func NewSeparateHistograms(cfg Config) (*Recorder, error) {
	// The histograms' const labels are checked here, and kept from New,
	// which would reject those the collector also has.
	var own [NumMetrics]prometheus.Labels
	for id := range cfg.Hist {
		h := &cfg.Hist[id]
		if err := checkConstLabels(h.Option, h.ConstLabels); err != nil {
			return nil, err
		}
		for _, l := range cfg.Extra {
			if _, dup := h.ConstLabels[l.Name]; dup {
				return nil, errorf(h.Option, "const label %q is also an extra label (%s)", l.Name, l.Option)
			}
		}
		own[id] = mergeLabels(h.ConstLabels, nil)
		h.ConstLabels = nil
	}
	r, err := New(cfg)
	if err != nil {
		return nil, err
	}
	// No series exist yet, so the histograms can be rebuilt in place.
	for id, v := range r.vecs {
		if v == nil || v.def.Kind != Histogram {
			continue
		}
		h := &r.cfg.Hist[id]
		h.ConstLabels = own[id]
		opts := r.histogramOpts(v.def)
		opts.Name = prometheus.BuildFQName(h.Namespace, h.Subsystem, v.def.NameIn(r.cfg.Legacy))
		opts.ConstLabels = own[id]
		r.newHistVec(v, opts, r.labelsFor(v.def))
	}
	return r, nil
}
