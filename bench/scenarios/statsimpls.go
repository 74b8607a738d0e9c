package scenarios

import (
	"context"
	"fmt"
	"strings"

	promgrpc "github.com/piotrkowalczuk/promgrpc/v4"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/seed-db7adb15/grpcprom"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/stats/opentelemetry"
)

// StatsImpl is a stats handler implementation of the end-to-end stats
// scenarios, or one of their two baselines. Server and Client build fresh
// metrics, register them with reg and return the options that install them.
type StatsImpl struct {
	Name   string
	Server func(reg prometheus.Registerer) ([]grpc.ServerOption, error)
	Client func(reg prometheus.Registerer) ([]grpc.DialOption, error)
	// Recorded reads from families, for one side and one full method
	// ("/pkg.Service/Method"), how many calls ended and the sum of the
	// payload sizes received. It is nil for the baselines, which record
	// nothing.
	Recorded func(families []*dto.MetricFamily, client bool, fullMethod string) (calls, received float64)
}

// Names of the stats implementations that are not ours.
const (
	NoHandler = "none"
	NoopStats = "noop-handler"
	PromGRPC  = "promgrpc"
	OTel      = "otel"
)

// StatsImpls lists the implementations of the end-to-end stats scenarios,
// in the order results are shown: gRPC alone, gRPC with a stats handler
// that does nothing on both sides (the floor of every stats handler: gRPC
// builds its events for any handler), then grpcprom's stats handler,
// promgrpc v4's and grpc-go's stats/opentelemetry with the OpenTelemetry
// Prometheus exporter. Each records handling time and message sizes as
// histograms.
var StatsImpls = []StatsImpl{
	{
		Name:   NoHandler,
		Server: func(prometheus.Registerer) ([]grpc.ServerOption, error) { return nil, nil },
		Client: func(prometheus.Registerer) ([]grpc.DialOption, error) { return nil, nil },
	},
	{
		Name: NoopStats,
		Server: func(prometheus.Registerer) ([]grpc.ServerOption, error) {
			return []grpc.ServerOption{grpc.StatsHandler(noopHandler{})}, nil
		},
		Client: func(prometheus.Registerer) ([]grpc.DialOption, error) {
			return []grpc.DialOption{grpc.WithStatsHandler(noopHandler{})}, nil
		},
	},
	{
		Name: OursStats,
		Server: func(reg prometheus.Registerer) ([]grpc.ServerOption, error) {
			m := grpcprom.NewServerMetrics(
				grpcprom.WithServerHandlingTimeHistogram(),
				grpcprom.WithMessageSizeHistogram(),
			)
			if err := reg.Register(m); err != nil {
				return nil, fmt.Errorf("registering grpcprom server metrics: %w", err)
			}
			return []grpc.ServerOption{grpc.StatsHandler(m.StatsHandler())}, nil
		},
		Client: func(reg prometheus.Registerer) ([]grpc.DialOption, error) {
			m := grpcprom.NewClientMetrics(
				grpcprom.WithClientHandlingTimeHistogram(),
				grpcprom.WithClientStreamRecvHistogram(),
				grpcprom.WithClientStreamSendHistogram(),
				grpcprom.WithMessageSizeHistogram(),
			)
			if err := reg.Register(m); err != nil {
				return nil, fmt.Errorf("registering grpcprom client metrics: %w", err)
			}
			return []grpc.DialOption{grpc.WithStatsHandler(m.StatsHandler())}, nil
		},
		Recorded: func(fs []*dto.MetricFamily, client bool, fullMethod string) (float64, float64) {
			side := sideName(client)
			service, method := splitFull(fullMethod)
			match := labelMatch{"grpc_service": service, "grpc_method": method}
			return counterSum(fs, "grpc_"+side+"_handled_total", match),
				histogramSum(fs, "grpc_"+side+"_msg_received_size_bytes", match)
		},
	},
	{
		Name: PromGRPC,
		Server: func(reg prometheus.Registerer) ([]grpc.ServerOption, error) {
			h := promgrpc.ServerStatsHandler()
			if err := reg.Register(h); err != nil {
				return nil, fmt.Errorf("registering promgrpc server handler: %w", err)
			}
			return []grpc.ServerOption{grpc.StatsHandler(h)}, nil
		},
		Client: func(reg prometheus.Registerer) ([]grpc.DialOption, error) {
			h := promgrpc.ClientStatsHandler()
			if err := reg.Register(h); err != nil {
				return nil, fmt.Errorf("registering promgrpc client handler: %w", err)
			}
			return []grpc.DialOption{grpc.WithStatsHandler(h)}, nil
		},
		Recorded: func(fs []*dto.MetricFamily, client bool, fullMethod string) (float64, float64) {
			side := sideName(client)
			service, method := splitFull(fullMethod)
			match := labelMatch{"grpc_service": service, "grpc_method": method}
			name := "grpc_server_responses_sent_total"
			if client {
				name = "grpc_client_responses_received_total"
			}
			return counterSum(fs, name, match),
				histogramSum(fs, "grpc_"+side+"_message_received_size_histogram_bytes", match)
		},
	},
	{
		Name: OTel,
		Server: func(reg prometheus.Registerer) ([]grpc.ServerOption, error) {
			o, err := otelOptions(reg)
			if err != nil {
				return nil, err
			}
			return []grpc.ServerOption{opentelemetry.ServerOption(o)}, nil
		},
		Client: func(reg prometheus.Registerer) ([]grpc.DialOption, error) {
			o, err := otelOptions(reg)
			if err != nil {
				return nil, err
			}
			return []grpc.DialOption{opentelemetry.DialOption(o)}, nil
		},
		Recorded: func(fs []*dto.MetricFamily, client bool, fullMethod string) (float64, float64) {
			match := labelMatch{"grpc_method": strings.TrimPrefix(fullMethod, "/")}
			if client {
				return histogramCount(fs, "grpc_client_call_duration_seconds", match),
					histogramSum(fs, "grpc_client_attempt_rcvd_total_compressed_message_size_bytes", match)
			}
			return histogramCount(fs, "grpc_server_call_duration_seconds", match),
				histogramSum(fs, "grpc_server_call_rcvd_total_compressed_message_size_bytes", match)
		},
	},
}

// LookupStats returns the stats implementation called name.
func LookupStats(name string) (StatsImpl, bool) {
	for _, i := range StatsImpls {
		if i.Name == name {
			return i, true
		}
	}
	return StatsImpl{}, false
}

// otelOptions builds a MeterProvider whose reader is the OpenTelemetry
// Prometheus exporter, registered on reg.
func otelOptions(reg prometheus.Registerer) (opentelemetry.Options, error) {
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return opentelemetry.Options{}, fmt.Errorf("building the OpenTelemetry Prometheus exporter: %w", err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	return opentelemetry.Options{MetricsOptions: opentelemetry.MetricsOptions{MeterProvider: mp}}, nil
}

// noopHandler is a stats handler that does nothing.
type noopHandler struct{}

func (noopHandler) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context   { return ctx }
func (noopHandler) HandleRPC(context.Context, stats.RPCStats)                         {}
func (noopHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (noopHandler) HandleConn(context.Context, stats.ConnStats)                       {}

func sideName(client bool) string {
	if client {
		return "client"
	}
	return "server"
}

// splitFull splits "/pkg.Service/Method" into service and method.
func splitFull(fullMethod string) (service, method string) {
	s := strings.TrimPrefix(fullMethod, "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return "unknown", "unknown"
}
