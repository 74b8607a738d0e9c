package grpc_prometheus

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// The package-level API acts on DefaultServerMetrics, DefaultClientMetrics
// and prometheus.DefaultRegisterer, registering metric by metric as
// go-grpc-prometheus does: init registers the four counters of each side,
// and each package-level Enable* function registers the histogram it turns
// on. DefaultServerMetrics and DefaultClientMetrics themselves are not
// registered, so the default registry collects every metric exactly once.
// (Registering the whole collector at init would make it collect a
// histogram enabled later as well, next to the histogram's own
// registration: the default registry's Gather, and so /metrics, would fail
// with "collected before with the same name and label values".)

// countersOnInit are the metrics registered on the default registry at
// init, in go-grpc-prometheus's order.
var countersOnInit = []core.MetricID{core.Started, core.Handled, core.MsgReceived, core.MsgSent}

func init() {
	for _, id := range countersOnInit {
		prometheus.MustRegister(DefaultServerMetrics.r.MetricCollector(id))
		prometheus.MustRegister(DefaultClientMetrics.r.MetricCollector(id))
	}
}

// registerDefault registers a histogram's collector on the default
// registry. As in go-grpc-prometheus the error is dropped: enabling twice
// gives the same collector, which is then already registered.
func registerDefault(c prometheus.Collector) {
	_ = prometheus.Register(c)
}
