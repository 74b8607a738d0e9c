// Package prometheus is grpcprom behind the API of go-grpc-middleware's
// providers/prometheus (v1.1.1): the same names, kinds and signatures, so
// that code written for it builds with only the import path changed:
//
//	import grpcprom "github.com/seed-db7adb15/grpcprom/compat/providers/prometheus"
//
// It records with grpcprom's core and exports the series the provider
// exports: the same names, labels (context labels included) and label
// values, and exemplars on the handled counters and histograms. Help texts
// are grpcprom's.
//
// # Where it differs
//
// Where the provider, or the interceptors of go-grpc-middleware/v2 it runs
// on, records something wrong, this package records what happened:
//
//   - A unary client call does not observe grpc_client_msg_send_handling_seconds
//     and grpc_client_msg_recv_handling_seconds: those time the SendMsg and
//     RecvMsg calls of streams, which a unary call does not make. The
//     provider observes both for every unary call.
//   - A client-streaming RPC is handled exactly once, when its one response
//     arrives. With interceptors v2.1.0 (the version providers/prometheus
//     v1.1.1 requires) the provider never records a successful CloseAndRecv
//     as handled; with v2.2.0 and later, a RecvMsg after CloseAndRecv adds a
//     second, Unknown, completion.
//   - A RecvMsg after a server or bidi stream returned io.EOF does not count
//     the RPC as handled again.
//   - A handler that panics is recorded with code Internal and the panic
//     goes on; the provider records nothing for it unless a recovery
//     interceptor runs inside it.
//   - Context labels cannot crash the process. WithContextLabels without
//     WithLabelsFromContext on an interceptor gives "" (the provider panics
//     on the first RPC); a name the label function returns but nobody
//     declared is ignored, and a declared name it does not return gets "".
//     A declared name that is not a valid label name, is given twice, is a
//     const label or is one of the metrics' own labels panics in
//     NewServerMetrics or NewClientMetrics, naming the option (the provider
//     panics later, at registration). Values are made safe: invalid UTF-8
//     is replaced, values are cut to 128 bytes, and each label records at
//     most 100 distinct values, further ones becoming "__overflow__".
//   - An exemplar client_golang would reject, such as one over 128 runes,
//     is dropped and counted in grpcprom_server_exemplars_dropped_total or
//     grpcprom_client_exemplars_dropped_total instead of panicking inside
//     the interceptor. Those counters are exported once an interceptor has
//     WithExemplarFromContext.
//   - Method names are bounded: after InitializeMetrics, methods the server
//     does not register, and malformed or overlong names, are recorded as
//     grpc_service="unknown", grpc_method="unknown".
//
// Three further differences are grpcprom's design rather than corrections.
// Exemplars are attached where the RPC's outcome is recorded, to the
// handled counter and the histograms; the provider also attaches them to
// the started and message counters. The series of one label set are made
// together, at its first RPC, so a message counter that has not moved
// reads 0 where the provider has no series yet (for example
// grpc_server_msg_sent_total of a method that has only failed). And
// options cannot rename metrics: a
// CounterOption or HistogramOption is applied to an empty options struct
// of which only the namespace, subsystem, const labels and, for
// histograms, buckets and native-histogram settings are used, where a
// custom option could change the provider's names and help texts.
//
// For new code, the root package github.com/seed-db7adb15/grpcprom offers
// the same metrics with more options (stats handler, in-flight gauge,
// message sizes, labels from metadata).
package prometheus
