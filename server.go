package grpcprom

import (
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom/internal/core"
	"github.com/seed-db7adb15/grpcprom/internal/grpcfront"
)

// ServerMetrics records the metrics of a gRPC server. It is a
// [prometheus.Collector]: register it with your registry, then install
// either its interceptors or its stats handler on the server.
type ServerMetrics struct {
	r *core.Recorder
}

var _ prometheus.Collector = (*ServerMetrics)(nil)

// NewServerMetrics returns server metrics configured by opts. It panics,
// naming the option, when the options are inconsistent, for example
// buckets that do not increase.
func NewServerMetrics(opts ...ServerOption) *ServerMetrics {
	cfg := core.Config{Side: core.Server}
	for _, o := range opts {
		if o != nil {
			o.applyServer(&cfg)
		}
	}
	return &ServerMetrics{r: newRecorder("NewServerMetrics", cfg)}
}

// Describe implements [prometheus.Collector].
func (m *ServerMetrics) Describe(ch chan<- *prometheus.Desc) { m.r.Describe(ch) }

// Collect implements [prometheus.Collector].
func (m *ServerMetrics) Collect(ch chan<- prometheus.Metric) { m.r.Collect(ch) }

// ServiceInfoProvider is anything that lists its services, such as
// *grpc.Server.
type ServiceInfoProvider interface {
	GetServiceInfo() map[string]grpc.ServiceInfo
}

// InitializeMetrics creates the series of every method s registers at
// zero: started, messages, handled for all 17 codes, and the enabled
// histograms, so that rates and alerts work before the first call. Call it
// after registering your services and before serving.
//
// From then on, RPCs to methods s does not register (which can reach the
// server through grpc.UnknownServiceHandler) are recorded as
// grpc_service="unknown", grpc_method="unknown".
func (m *ServerMetrics) InitializeMetrics(s ServiceInfoProvider) {
	initializeServer(m.r, s)
}

// initializeServer is InitializeMetrics for any front end over r.
func initializeServer(r *core.Recorder, s ServiceInfoProvider) {
	for service, info := range s.GetServiceInfo() {
		for _, mi := range info.Methods {
			r.InitializeMethod("/"+service+"/"+mi.Name, core.TypeOf(mi.IsClientStream, mi.IsServerStream))
		}
	}
	r.Freeze()
}

// ServerOptions returns the options that install the metrics' interceptors
// on a server: grpc.NewServer(sm.ServerOptions()...).
//
// With [WithConnectionMetrics] it also installs a stats handler that
// records connections only.
func (m *ServerMetrics) ServerOptions() []grpc.ServerOption {
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(m.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(m.StreamServerInterceptor()),
	}
	if m.r.ConnectionMetrics() {
		opts = append(opts, grpc.StatsHandler(grpcfront.ConnHandler(m.r)))
	}
	return opts
}

func init() {
	core.RecorderOf = func(m any) *core.Recorder {
		switch m := m.(type) {
		case *ServerMetrics:
			return m.r
		case *ClientMetrics:
			return m.r
		}
		return nil
	}
}
