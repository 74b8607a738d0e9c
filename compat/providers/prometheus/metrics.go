package prometheus

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed-db7adb15/grpcprom/internal/core"
	"github.com/seed-db7adb15/grpcprom/internal/grpcfront"
)

// The histograms the options enable, by their row in the core's table.
const (
	handling   = core.Handling
	streamRecv = core.StreamRecv
	streamSend = core.StreamSend
)

// metrics is what ServerMetrics and ClientMetrics share: the core recorder
// and the exemplar-drop counter of interceptors with exemplars.
type metrics struct {
	r             *core.Recorder
	contextLabels bool
	// dropped counts rejected exemplars; it is collected once an
	// interceptor has WithExemplarFromContext, since only those can drop.
	dropped     prometheus.Counter
	withDropped atomic.Bool
}

// newMetrics resolves the options into a recorder: the one place where a
// configuration mistake panics, naming the constructor and the option.
func newMetrics(ctor string, side core.Side, o *resolved) metrics {
	cfg := o.coreConfig(side)
	r, err := core.NewSeparateHistograms(cfg)
	if err != nil {
		panic(fmt.Sprintf("grpcprom: %s: %v", ctor, err))
	}
	d, _ := core.Lookup(side, core.ExemplarsDropped)
	return metrics{
		r:             r,
		contextLabels: len(cfg.Extra) > 0,
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name:        prometheus.BuildFQName(cfg.Namespace, cfg.Subsystem, d.Name),
			Help:        d.Help,
			ConstLabels: cfg.ConstLabels,
		}),
	}
}

func (m *metrics) describe(ch chan<- *prometheus.Desc) {
	m.r.Describe(ch)
	m.dropped.Describe(ch)
}

func (m *metrics) collect(ch chan<- prometheus.Metric) {
	m.r.Collect(ch)
	if m.withDropped.Load() {
		m.dropped.Collect(ch)
	}
}

// noLabels stands in for a missing WithLabelsFromContext: every context
// label gets "".
func noLabels(context.Context) prometheus.Labels { return nil }

// hooks turns one interceptor's options into the front end's hooks.
func (m *metrics) hooks(opts []Option) *grpcfront.Hooks {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	h := &grpcfront.Hooks{}
	if fn := c.exemplarFn; fn != nil {
		m.withDropped.Store(true)
		h.Exemplar = func(ctx context.Context) prometheus.Labels { return m.checkExemplar(fn(ctx)) }
	}
	switch {
	case c.labelsFn != nil:
		h.Labels = c.labelsFn
	case m.contextLabels:
		h.Labels = noLabels
	}
	return h
}

// checkExemplar returns ex if client_golang accepts it, and nil, counting
// the drop, if not: client_golang panics on an exemplar it rejects.
func (m *metrics) checkExemplar(ex prometheus.Labels) prometheus.Labels {
	if len(ex) == 0 {
		return nil
	}
	if !core.ExemplarOK(ex) {
		m.dropped.Inc()
		return nil
	}
	return ex
}
