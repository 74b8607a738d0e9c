package grpcprom

import (
	"google.golang.org/grpc/stats"

	"github.com/seed-db7adb15/grpcprom/internal/grpcfront"
)

// StatsHandler returns a gRPC stats handler that records the server's
// metrics: grpc.NewServer(grpc.StatsHandler(sm.StatsHandler())). Install
// it instead of the interceptors, not together with them.
//
// It records the same series as the interceptors, and also RPCs that never
// reach an interceptor: requests over the server's size limit, requests
// that fail to decompress, and calls to unknown methods (which it records
// as grpc_type="bidi_stream", grpc_service="unknown",
// grpc_method="unknown", code Unimplemented). It is the only front end
// that sees message sizes.
func (m *ServerMetrics) StatsHandler() stats.Handler {
	return grpcfront.StatsHandler(m.r)
}

// StatsHandler returns a gRPC stats handler that records the client's
// metrics: grpc.NewClient(target, grpc.WithStatsHandler(cm.StatsHandler())).
// Install it instead of the interceptors, not together with them.
//
// gRPC reports each attempt of an RPC to stats handlers, so with retries
// enabled the stats handler counts attempts where the interceptors count
// calls. It is the only front end that sees message sizes, and it counts a
// message as sent only once it is on the wire. A unary or client-streaming
// attempt that gRPC reports as successful without a response (see
// grpcprom_client_ok_without_response_total) is recorded as Unknown.
func (m *ClientMetrics) StatsHandler() stats.Handler {
	return grpcfront.StatsHandler(m.r)
}
