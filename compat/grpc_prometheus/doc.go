// Package grpc_prometheus is the API of go-grpc-prometheus v1.2.0
// (github.com/grpc-ecosystem/go-grpc-prometheus), plus the client stream
// histograms its master branch added, over grpcprom's recorder. Switching
// is an import path change:
//
//	import grpc_prometheus "github.com/seed-db7adb15/grpcprom/compat/grpc_prometheus"
//
// or, for a whole tree:
//
//	sed -i 's#github.com/grpc-ecosystem/go-grpc-prometheus#github.com/seed-db7adb15/grpcprom/compat/grpc_prometheus#' $(grep -rl go-grpc-prometheus --include=*.go .)
//
// Every exported name of v1.2.0 exists with its kind and signature: the
// package-level interceptors, DefaultServerMetrics and
// DefaultClientMetrics (their counters registered on
// prometheus.DefaultRegisterer at init), Register,
// EnableHandlingTimeHistogram and EnableClientHandlingTimeHistogram (which
// also register the histogram on the default registry), NewServerMetrics,
// NewClientMetrics and their methods, CounterOption, HistogramOption and
// their With* functions, and the grpc_type constants. From master:
// EnableClientStreamReceiveTimeHistogram and
// EnableClientStreamSendTimeHistogram, as functions and methods.
//
// The series have v1's names, labels and label values. They differ only
// where v1 records something that did not happen, and then the gRPC
// semantics apply:
//   - A unary client call's response is counted in
//     grpc_client_msg_received_total when the call succeeds. v1 counts it
//     when the call fails, and never on success (its inverted
//     "if err != nil"; fixed on v1's master).
//   - A client-streaming call that ends with a successful CloseAndRecv is
//     counted in grpc_client_handled_total{grpc_code="OK"}. v1 never
//     counts it, because it only ends a stream on io.EOF or an error from
//     RecvMsg.
//   - A server handler that returns context.Canceled or
//     context.DeadlineExceeded is recorded as Canceled or
//     DeadlineExceeded, the code gRPC sends. v1 records Unknown.
//
// Further, grpcprom's guarantees hold where v1 has none:
//   - Every RPC is handled exactly once: a client stream the caller stops
//     reading, or cancels, is recorded when gRPC finishes it (v1: never);
//     reading again after io.EOF does not count it twice (v1: twice). A
//     handler that panics is recorded as Internal and the panic goes on
//     (v1: not handled).
//   - Cardinality is bounded: malformed, overlong or non-UTF-8 method
//     names, names past the first 1000, and, after Register or
//     InitializeMetrics, methods the server does not register, are recorded
//     as grpc_service="unknown", grpc_method="unknown"; codes outside
//     gRPC's 17 are recorded as Unknown (v1: "Code(N)").
//   - The Enable* functions may run concurrently with RPCs.
//
// And these follow from sharing grpcprom's metric table:
//   - Help texts are grpcprom's. A CounterOption or HistogramOption cannot
//     change a name or help text: of CounterOpts only ConstLabels are used,
//     of HistogramOpts only Buckets, ConstLabels and the NativeHistogram*
//     settings.
//   - Const labels given to NewServerMetrics or NewClientMetrics with
//     WithConstLabels are on the histograms too (v1: counters only).
//   - A configuration mistake (buckets that do not increase, a const label
//     named grpc_code) panics in the constructor or Enable* call, naming
//     it; v1 fails later, at registration.
//
// As in v1, the default registry holds the default metrics' counters and
// the histograms the package-level Enable* functions turned on, each
// registered by itself, so that every metric is collected once;
// DefaultServerMetrics and DefaultClientMetrics are not registered as
// whole collectors there (registering them there fails), but can be on a
// registry of your own. A ServerMetrics or ClientMetrics method Enable*
// call registers nothing: enable a histogram before registering the
// collector. Only the first call's options count.
package grpc_prometheus
