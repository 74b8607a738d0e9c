package scenarios

import (
	dto "github.com/prometheus/client_model/go"
)

// labelMatch selects the series whose labels include all of its pairs.
type labelMatch map[string]string

func (lm labelMatch) matches(m *dto.Metric) bool {
	found := 0
	for _, l := range m.GetLabel() {
		if v, ok := lm[l.GetName()]; ok {
			if l.GetValue() != v {
				return false
			}
			found++
		}
	}
	return found == len(lm)
}

// series returns the series of the family called name that match lm.
func series(fs []*dto.MetricFamily, name string, lm labelMatch) []*dto.Metric {
	var out []*dto.Metric
	for _, f := range fs {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if lm.matches(m) {
				out = append(out, m)
			}
		}
	}
	return out
}

func counterSum(fs []*dto.MetricFamily, name string, lm labelMatch) float64 {
	var sum float64
	for _, m := range series(fs, name, lm) {
		sum += m.GetCounter().GetValue()
	}
	return sum
}

func histogramCount(fs []*dto.MetricFamily, name string, lm labelMatch) float64 {
	var n float64
	for _, m := range series(fs, name, lm) {
		n += float64(m.GetHistogram().GetSampleCount())
	}
	return n
}

func histogramSum(fs []*dto.MetricFamily, name string, lm labelMatch) float64 {
	var sum float64
	for _, m := range series(fs, name, lm) {
		sum += m.GetHistogram().GetSampleSum()
	}
	return sum
}

// countSeries returns how many series families hold in all.
func countSeries(fs []*dto.MetricFamily) int {
	n := 0
	for _, f := range fs {
		n += len(f.GetMetric())
	}
	return n
}
