package main

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
)

// TraceExemplar returns an exemplar holding the trace ID of the span in
// ctx, or nil when ctx has no valid span or its span is not sampled: an
// exemplar should point at a trace that a tracing backend actually stores.
//
// Pass it to grpcprom.WithExemplarFromContext. grpcprom calls it once per
// RPC, when the RPC starts, so the OpenTelemetry span must already be in
// the RPC's context by then. Either install otelgrpc's stats handler
// together with grpcprom's interceptors, which run after every stats
// handler has tagged the RPC:
//
//	grpc.NewServer(
//		grpc.StatsHandler(otelgrpc.NewServerHandler()),
//		grpc.ChainUnaryInterceptor(sm.UnaryServerInterceptor()),
//		grpc.ChainStreamInterceptor(sm.StreamServerInterceptor()),
//	)
//
// or, with grpcprom's stats handler, install otelgrpc's handler first:
//
//	grpc.NewServer(
//		grpc.StatsHandler(otelgrpc.NewServerHandler()),
//		grpc.StatsHandler(sm.StatsHandler()),
//	)
//
// gRPC calls stats handlers in the order they were given, each TagRPC
// receiving the context the previous one returned, so listing otelgrpc's
// handler first puts the span in the context grpcprom reads.
func TraceExemplar(ctx context.Context) prometheus.Labels {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() || !sc.IsSampled() {
		return nil
	}
	return prometheus.Labels{"trace_id": sc.TraceID().String()}
}
