package prometheus

import (
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/reflection"

	"github.com/seed-db7adb15/grpcprom/internal/core"
	"github.com/seed-db7adb15/grpcprom/internal/grpcfront"
)

// ServerMetrics records the metrics of a gRPC server. It is a
// prometheus.Collector: register it with a registry, then install its
// interceptors on the server.
type ServerMetrics struct {
	m metrics
}

var _ prometheus.Collector = (*ServerMetrics)(nil)

// NewServerMetrics returns server metrics configured by opts. Nothing is
// registered: pass the result to a registry's Register or MustRegister.
// It panics, naming the option, when the options are inconsistent, for
// example buckets that do not increase or a context label named
// grpc_code.
func NewServerMetrics(opts ...ServerMetricsOption) *ServerMetrics {
	var c serverMetricsConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return &ServerMetrics{m: newMetrics("NewServerMetrics", core.Server, &c.resolved)}
}

// Describe implements prometheus.Collector.
func (m *ServerMetrics) Describe(ch chan<- *prometheus.Desc) { m.m.describe(ch) }

// Collect implements prometheus.Collector.
func (m *ServerMetrics) Collect(ch chan<- prometheus.Metric) { m.m.collect(ch) }

// InitializeMetrics creates the series of every method server registers
// at zero: started, messages, handled for all 17 codes and the enabled
// histogram, with "" for every context label, so that rates and alerts
// work before the first call. Call it after registering the services.
//
// From then on, RPCs to methods server does not register (which reach
// the interceptors only through grpc.UnknownServiceHandler) are recorded
// as grpc_service="unknown", grpc_method="unknown".
func (m *ServerMetrics) InitializeMetrics(server reflection.ServiceInfoProvider) {
	for service, info := range server.GetServiceInfo() {
		for _, mi := range info.Methods {
			m.m.r.InitializeMethod("/"+service+"/"+mi.Name, core.TypeOf(mi.IsClientStream, mi.IsServerStream))
		}
	}
	m.m.r.Freeze()
}

// UnaryServerInterceptor returns an interceptor that records unary RPCs,
// configured by opts.
func (m *ServerMetrics) UnaryServerInterceptor(opts ...Option) grpc.UnaryServerInterceptor {
	return grpcfront.UnaryServer(m.m.r, m.m.hooks(opts))
}

// StreamServerInterceptor returns an interceptor that records streaming
// RPCs and their messages, configured by opts.
func (m *ServerMetrics) StreamServerInterceptor(opts ...Option) grpc.StreamServerInterceptor {
	return grpcfront.StreamServer(m.m.r, m.m.hooks(opts))
}
