package grpcprom

import (
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// ClientMetrics records the metrics of a gRPC client. It is a
// [prometheus.Collector]: register it with your registry, then install
// either its interceptors or its stats handler on the client connection.
type ClientMetrics struct {
	r *core.Recorder
}

var _ prometheus.Collector = (*ClientMetrics)(nil)

// NewClientMetrics returns client metrics configured by opts. It panics,
// naming the option, when the options are inconsistent, for example
// buckets that do not increase.
func NewClientMetrics(opts ...ClientOption) *ClientMetrics {
	cfg := core.Config{Side: core.Client}
	for _, o := range opts {
		if o != nil {
			o.applyClient(&cfg)
		}
	}
	return &ClientMetrics{r: newRecorder("NewClientMetrics", cfg)}
}

// Describe implements [prometheus.Collector].
func (m *ClientMetrics) Describe(ch chan<- *prometheus.Desc) { m.r.Describe(ch) }

// Collect implements [prometheus.Collector].
func (m *ClientMetrics) Collect(ch chan<- prometheus.Metric) { m.r.Collect(ch) }

// DialOptions returns the options that install the metrics' interceptors
// on a client connection: grpc.NewClient(target, cm.DialOptions()...).
func (m *ClientMetrics) DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(m.UnaryClientInterceptor()),
		grpc.WithChainStreamInterceptor(m.StreamClientInterceptor()),
	}
}

// InitializeMetrics creates the client series of every method of services
// at zero: started, messages, handled for all 17 codes, and the enabled
// histograms. Pass the generated descriptors, such as
// &pb.Greeter_ServiceDesc.
func (m *ClientMetrics) InitializeMetrics(services ...*grpc.ServiceDesc) {
	for _, sd := range services {
		for _, md := range sd.Methods {
			m.r.InitializeMethod("/"+sd.ServiceName+"/"+md.MethodName, core.Unary)
		}
		for _, st := range sd.Streams {
			m.r.InitializeMethod("/"+sd.ServiceName+"/"+st.StreamName, core.TypeOf(st.ClientStreams, st.ServerStreams))
		}
	}
}
