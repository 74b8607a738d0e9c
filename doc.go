// Package grpcprom exports Prometheus metrics for grpc-go servers and
// clients.
//
// It offers the metric names known from go-grpc-prometheus and
// java-grpc-prometheus (grpc_server_handled_total and friends), with opt-in
// histograms and a legacy mode for dashboards built on the Python and Java
// libraries ([WithLegacyMetrics], [WithJavaLabelValues]). Its API follows
// go-grpc-middleware's Prometheus provider; the packages compat/grpc_prometheus
// and compat/providers/prometheus keep the exact APIs of go-grpc-prometheus
// and of that provider, so switching is an import path.
//
// Nothing is registered globally: create a [ServerMetrics] or
// [ClientMetrics], register it with your own [prometheus.Registerer], and
// install its interceptors (or its stats handler) on your server or client.
//
// # Front ends
//
// Each collector has two front ends over one recorder: interceptors
// ([ServerMetrics.UnaryServerInterceptor] and friends, or
// [ServerMetrics.ServerOptions]) and a gRPC stats handler
// ([ServerMetrics.StatsHandler]). Install one of them. The stats handler
// also sees RPCs that never reach a handler (oversized or undecompressable
// requests, unknown methods) and message sizes; only the interceptors see
// the duration of each client RecvMsg and SendMsg call, and panics. The
// module connectprom is a third front end, for connect-go.
//
// # Labels
//
// Every series carries grpc_type (unary, client_stream, server_stream or
// bidi_stream), grpc_service and grpc_method, split from the full method name
// "/package.Service/Method". Completion metrics also carry grpc_code, the
// name of the status code ("OK", "NotFound", ...). Status codes outside the
// 17 defined by gRPC are recorded as "Unknown".
//
// # Bounded cardinality
//
// Method names come off the network. A name that cannot be split, is not
// valid UTF-8 or is longer than [MaxMethodNameLength] bytes, and any name
// past the method limit (see [WithMethodLimit], default
// [DefaultMethodLimit]), is recorded as grpc_service="unknown",
// grpc_method="unknown". After [ServerMetrics.InitializeMetrics], every
// method the server does not register is recorded there as well.
//
// Extra labels from metadata or the context ([WithLabelsFromMetadata],
// [WithContextLabel]) are repaired to valid UTF-8, cut to
// [MaxLabelValueLength] bytes and capped in distinct values; exemplars
// client_golang would reject are dropped and counted. No request can
// panic the process or grow the series without bound.
package grpcprom
