package scenarios

import (
	promgrpc "github.com/piotrkowalczuk/promgrpc/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/seed-db7adb15/grpcprom"
)

// StatsDirectScenarios are the direct scenarios the stats-direct group
// runs: the events of one unary RPC, or of one message each way on a
// stream, fed straight to a stats handler by [StatsServer] and
// [StatsClient], with no network and no scheduler in between. Over bufconn
// the run-to-run spread is larger than a stats handler's cost; here it is
// not.
var StatsDirectScenarios = []Scenario{All[0], All[1], All[2], All[3]}

// StatsDirectImpls are the stats handlers the stats-direct group feeds: a
// handler that does nothing, whose cost is the harness's (building the
// events), then grpcprom's and promgrpc v4's with the histograms of the
// end-to-end stats group (handling time and message sizes). grpc-go's
// OpenTelemetry plugin cannot run here: it records through interceptors
// as well as a stats handler, and installs both as one option.
var StatsDirectImpls = []Impl{
	{
		Name:   NoopStats,
		Server: func(prometheus.Registerer) Server { return StatsServer(noopHandler{}) },
		Client: func(prometheus.Registerer) Client { return StatsClient(noopHandler{}) },
	},
	{
		Name: OursStats,
		Server: func(reg prometheus.Registerer) Server {
			m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithMessageSizeHistogram())
			reg.MustRegister(m)
			return StatsServer(m.StatsHandler())
		},
		Client: func(reg prometheus.Registerer) Client {
			m := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(),
				grpcprom.WithClientStreamRecvHistogram(), grpcprom.WithClientStreamSendHistogram(),
				grpcprom.WithMessageSizeHistogram())
			reg.MustRegister(m)
			return StatsClient(m.StatsHandler())
		},
	},
	{
		Name: PromGRPC,
		Server: func(reg prometheus.Registerer) Server {
			h := promgrpc.ServerStatsHandler()
			reg.MustRegister(h)
			return StatsServer(h)
		},
		Client: func(reg prometheus.Registerer) Client {
			h := promgrpc.ClientStatsHandler()
			reg.MustRegister(h)
			return StatsClient(h)
		},
	},
}
