package grpcprom

import (
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom/internal/core"
	"github.com/seed-db7adb15/grpcprom/internal/grpcfront"
)

// ClientMetrics records the metrics of a gRPC client. It is a
// [prometheus.Collector]: register it with your registry, then install
// either its interceptors or its stats handler on the client connection.
type ClientMetrics struct {
	r *core.Recorder
	// attempts records each attempt with WithClientAttemptMetrics; nil
	// without it.
	attempts *core.Recorder
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
	m := &ClientMetrics{r: newRecorder("NewClientMetrics", cfg)}
	if cfg.AttemptMetrics {
		// Exemplars go on the calls' series only.
		cfg.Family, cfg.Exemplar = core.Attempts, nil
		m.attempts = newRecorder("NewClientMetrics", cfg)
	}
	return m
}

// Describe implements [prometheus.Collector].
func (m *ClientMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.r.Describe(ch)
	if m.attempts != nil {
		m.attempts.Describe(ch)
	}
}

// Collect implements [prometheus.Collector].
func (m *ClientMetrics) Collect(ch chan<- prometheus.Metric) {
	m.r.Collect(ch)
	if m.attempts != nil {
		m.attempts.Collect(ch)
	}
}

// DialOptions returns the options that install the metrics' interceptors
// on a client connection: grpc.NewClient(target, cm.DialOptions()...).
//
// With [WithClientAttemptMetrics] it also installs a stats handler that
// records attempts, and with [WithConnectionMetrics] one that records
// connections.
func (m *ClientMetrics) DialOptions() []grpc.DialOption {
	opts := []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(m.UnaryClientInterceptor()),
		grpc.WithChainStreamInterceptor(m.StreamClientInterceptor()),
	}
	if m.attempts != nil {
		opts = append(opts, grpc.WithStatsHandler(grpcfront.StatsHandler(m.attempts)))
	}
	if m.r.ConnectionMetrics() {
		opts = append(opts, grpc.WithStatsHandler(grpcfront.ConnHandler(m.r)))
	}
	return opts
}

// InitializeMetrics creates the client series of every method of services
// at zero: started, messages, handled for all 17 codes, and the enabled
// histograms. Pass the generated descriptors, such as
// &pb.Greeter_ServiceDesc.
func (m *ClientMetrics) InitializeMetrics(services ...*grpc.ServiceDesc) {
	for _, r := range []*core.Recorder{m.r, m.attempts} {
		if r == nil {
			continue
		}
		for _, sd := range services {
			for _, md := range sd.Methods {
				r.InitializeMethod("/"+sd.ServiceName+"/"+md.MethodName, core.Unary)
			}
			for _, st := range sd.Streams {
				r.InitializeMethod("/"+sd.ServiceName+"/"+st.StreamName, core.TypeOf(st.ClientStreams, st.ServerStreams))
			}
		}
	}
}
