package core

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestHistogramWritesAsClientGolang: the recorder's own histogram, fed
// on several stripes, writes the same count, sum, cumulative buckets and
// bucket exemplars (+Inf included) as a client_golang histogram fed the
// same observations.
func TestHistogramWritesAsClientGolang(t *testing.T) {
	for _, unit := range []Unit{Bytes, Seconds} {
		bounds := []float64{1, 10, 100}
		raws := []int64{0, 1, 2, 10, 11, 99, 100, 101, 5000, 7}
		if unit == Seconds {
			bounds = []float64{0.001, 0.01, 0.1}
			raws = []int64{0, 1e6, 2e6, 1e7, 11e6, 99e6, 1e8, 101e6, 5e9, 7e5}
		}
		f := &histFamily{bounds: bounds, unit: unit, desc: prometheus.NewDesc("h", "help", []string{"m"}, nil)}
		own := f.newHist([]string{"x"}, 4)
		ref := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "help", Buckets: bounds, ConstLabels: prometheus.Labels{"m": "x"}})
		for i, raw := range raws {
			v := float64(raw)
			if unit == Seconds {
				v = time.Duration(raw).Seconds()
			}
			var ex prometheus.Labels
			if i%3 == 0 {
				ex = prometheus.Labels{"trace_id": string(rune('a' + i))}
				ref.(prometheus.ExemplarObserver).ObserveWithExemplar(v, ex)
			} else {
				ref.Observe(v)
			}
			own.observe(i%4, raw, ex)
		}
		var got, want dto.Metric
		if err := (histMetric{own}).Write(&got); err != nil {
			t.Fatal(err)
		}
		if err := ref.Write(&want); err != nil {
			t.Fatal(err)
		}
		g, w := got.GetHistogram(), want.GetHistogram()
		if g.GetSampleCount() != w.GetSampleCount() || math.Abs(g.GetSampleSum()-w.GetSampleSum()) > 1e-9 {
			t.Errorf("unit %d: count %d sum %v, want %d %v", unit, g.GetSampleCount(), g.GetSampleSum(), w.GetSampleCount(), w.GetSampleSum())
		}
		if len(g.GetBucket()) != len(w.GetBucket()) {
			t.Fatalf("unit %d: %d buckets, want %d", unit, len(g.GetBucket()), len(w.GetBucket()))
		}
		for i, b := range g.GetBucket() {
			wb := w.GetBucket()[i]
			if b.GetUpperBound() != wb.GetUpperBound() || b.GetCumulativeCount() != wb.GetCumulativeCount() {
				t.Errorf("unit %d: bucket %d = le %v: %d, want le %v: %d", unit, i, b.GetUpperBound(), b.GetCumulativeCount(), wb.GetUpperBound(), wb.GetCumulativeCount())
			}
			ge, we := b.GetExemplar(), wb.GetExemplar()
			if (ge == nil) != (we == nil) || ge != nil && (ge.GetValue() != we.GetValue() || ge.GetLabel()[0].GetValue() != we.GetLabel()[0].GetValue()) {
				t.Errorf("unit %d: bucket %d exemplar = %v, want %v", unit, i, ge, we)
			}
		}
	}
}

// TestStripeShift: one stripe always picks 0, every pick is in range, and
// the stripe counts are those the README states.
func TestStripeShift(t *testing.T) {
	if got := pickStripe(stripeShift(1)); got != 0 {
		t.Errorf("pickStripe with one stripe = %d, want 0", got)
	}
	for _, n := range []int{2, 4, 8, 16} {
		if got := pickStripe(stripeShift(n)); got < 0 || got >= n {
			t.Errorf("pickStripe with %d stripes = %d, out of range", n, got)
		}
	}
	for cpus, want := range map[int]int{1: 1, 2: 8, 3: 16, 4: 16, 64: 16} {
		if got := stripesFor(cpus); got != want {
			t.Errorf("stripesFor(%d) = %d, want %d", cpus, got, want)
		}
	}
}
