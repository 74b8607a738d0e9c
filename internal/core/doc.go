// Package core is grpcprom's one recorder: the metric table, the series
// cache and the seam (seam.go) through which every front end records.
//
// Front ends live elsewhere: package grpcprom (interceptors and stats
// handler), compat/... (the APIs of go-grpc-prometheus and
// go-grpc-middleware's provider) and connectprom (connect-go). They turn
// their framework's events into Begin, message and End calls and hand over
// the values the core needs; nothing here knows gRPC metadata or HTTP
// headers.
package core
