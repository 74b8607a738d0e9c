package core

import "github.com/prometheus/client_golang/prometheus"

// MetricCollector returns the collector of one metric of the recorder, or
// nil when the recorder does not have that metric (not enabled, or of the
// other side). Front ends whose API registers metrics one by one use it:
// go-grpc-prometheus registers each counter of its default metrics on the
// default registry by itself, and its histograms separately when they are
// enabled, so that no metric is collected twice.
func (r *Recorder) MetricCollector(id MetricID) prometheus.Collector {
	if id >= NumMetrics {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if v := r.vecs[id]; v != nil {
		return v.collector()
	}
	return nil
}
