package grpcprom_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"

	"github.com/seed-db7adb15/grpcprom"
)

// Benchmarks of the interceptors called directly, with every histogram on.
// bench/ compares them with the peers.

const benchMethod = "/helloworld.Greeter/SayHello"

func allServer() *grpcprom.ServerMetrics {
	m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	prometheus.NewRegistry().MustRegister(m)
	return m
}

func allClient() *grpcprom.ClientMetrics {
	m := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(),
		grpcprom.WithClientStreamRecvHistogram(), grpcprom.WithClientStreamSendHistogram())
	prometheus.NewRegistry().MustRegister(m)
	return m
}

func BenchmarkUnaryServerInterceptor(b *testing.B) {
	ic := allServer().UnaryServerInterceptor()
	info := &grpc.UnaryServerInfo{FullMethod: benchMethod}
	handler := func(context.Context, any) (any, error) { return nil, nil }
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = ic(ctx, nil, info, handler)
	}
}

func BenchmarkUnaryClientInterceptor(b *testing.B) {
	ic := allClient().UnaryClientInterceptor()
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = ic(ctx, benchMethod, nil, nil, nil, invoker)
	}
}

// nopServerStream and nopClientStream stand for gRPC's streams.
type nopServerStream struct{ grpc.ServerStream }

func (nopServerStream) Context() context.Context { return context.Background() }
func (nopServerStream) SendMsg(any) error        { return nil }
func (nopServerStream) RecvMsg(any) error        { return nil }

type nopClientStream struct{ grpc.ClientStream }

func (nopClientStream) SendMsg(any) error            { return nil }
func (nopClientStream) RecvMsg(any) error            { return nil }
func (nopClientStream) Header() (metadata.MD, error) { return nil, nil }
func (nopClientStream) CloseSend() error             { return nil }

var bidi = &grpc.StreamServerInfo{FullMethod: "/helloworld.Greeter/SayHelloBidiStream", IsClientStream: true, IsServerStream: true}

// BenchmarkStreamServerMessage measures one SendMsg and one RecvMsg on an
// instrumented server stream.
func BenchmarkStreamServerMessage(b *testing.B) {
	ic := allServer().StreamServerInterceptor()
	b.ReportAllocs()
	_ = ic(nil, nopServerStream{}, bidi, func(_ any, ss grpc.ServerStream) error {
		for b.Loop() {
			_ = ss.SendMsg(nil)
			_ = ss.RecvMsg(nil)
		}
		return nil
	})
}

// BenchmarkStreamServer measures a whole server stream with one message
// each way.
func BenchmarkStreamServer(b *testing.B) {
	ic := allServer().StreamServerInterceptor()
	handler := func(_ any, ss grpc.ServerStream) error {
		_ = ss.RecvMsg(nil)
		return ss.SendMsg(nil)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = ic(nil, nopServerStream{}, bidi, handler)
	}
}

var bidiDesc = &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}

func nopStreamer(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nopClientStream{}, nil
}

// BenchmarkStreamClientMessage measures one SendMsg and one RecvMsg on an
// instrumented client stream, each timed by its histogram.
func BenchmarkStreamClientMessage(b *testing.B) {
	cs, err := allClient().StreamClientInterceptor()(context.Background(), bidiDesc, nil, bidi.FullMethod, nopStreamer)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = cs.SendMsg(nil)
		_ = cs.RecvMsg(nil)
	}
}

// BenchmarkStreamClient measures a whole client stream with one message
// each way.
func BenchmarkStreamClient(b *testing.B) {
	ic := allClient().StreamClientInterceptor()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		cs, _ := ic(ctx, bidiDesc, nil, bidi.FullMethod, nopStreamer)
		_ = cs.SendMsg(nil)
		_ = cs.RecvMsg(nil)
		_ = cs.CloseSend()
	}
}

// BenchmarkUnaryServerWithLabels measures the label-bearing path: a
// metadata label and a context label, resolved per call.
func BenchmarkUnaryServerWithLabels(b *testing.B) {
	m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(),
		grpcprom.WithLabelsFromMetadata("x-tenant"),
		grpcprom.WithContextLabel("region", func(context.Context) string { return "eu" }))
	prometheus.NewRegistry().MustRegister(m)
	ic := m.UnaryServerInterceptor()
	info := &grpc.UnaryServerInfo{FullMethod: benchMethod}
	handler := func(context.Context, any) (any, error) { return nil, nil }
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("x-tenant", "acme"))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = ic(ctx, nil, info, handler)
	}
}

// BenchmarkUnaryServerWithExemplar measures the exemplar path.
func BenchmarkUnaryServerWithExemplar(b *testing.B) {
	ex := prometheus.Labels{"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}
	m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(),
		grpcprom.WithExemplarFromContext(func(context.Context) prometheus.Labels { return ex }))
	prometheus.NewRegistry().MustRegister(m)
	ic := m.UnaryServerInterceptor()
	info := &grpc.UnaryServerInfo{FullMethod: benchMethod}
	handler := func(context.Context, any) (any, error) { return nil, nil }
	b.ReportAllocs()
	for b.Loop() {
		_, _ = ic(context.Background(), nil, info, handler)
	}
}

// BenchmarkStatsHandlerUnary feeds the server stats handler the events of
// one unary RPC, as gRPC does.
func BenchmarkStatsHandlerUnary(b *testing.B) {
	m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithMessageSizeHistogram())
	prometheus.NewRegistry().MustRegister(m)
	h := m.StatsHandler()
	tag := &stats.RPCTagInfo{FullMethodName: benchMethod}
	begin, end := &stats.Begin{}, &stats.End{}
	in, out := &stats.InPayload{Length: 32}, &stats.OutPayload{Length: 64}
	b.ReportAllocs()
	for b.Loop() {
		ctx := h.TagRPC(context.Background(), tag)
		h.HandleRPC(ctx, begin)
		h.HandleRPC(ctx, in)
		h.HandleRPC(ctx, out)
		h.HandleRPC(ctx, end)
	}
}

// BenchmarkStatsHandlerMessage measures one message each way on an open
// stream through the stats handler.
func BenchmarkStatsHandlerMessage(b *testing.B) {
	m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithMessageSizeHistogram())
	prometheus.NewRegistry().MustRegister(m)
	h := m.StatsHandler()
	ctx := h.TagRPC(context.Background(), &stats.RPCTagInfo{FullMethodName: bidi.FullMethod})
	h.HandleRPC(ctx, &stats.Begin{IsClientStream: true, IsServerStream: true})
	in, out := &stats.InPayload{Length: 32}, &stats.OutPayload{Length: 64}
	b.ReportAllocs()
	for b.Loop() {
		h.HandleRPC(ctx, in)
		h.HandleRPC(ctx, out)
	}
}

// BenchmarkStreamClientMessageNoStreamHistograms is
// BenchmarkStreamClientMessage without the per-call histograms, the work
// go-grpc-prometheus v1.2.0 does per message.
func BenchmarkStreamClientMessageNoStreamHistograms(b *testing.B) {
	m := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram())
	prometheus.NewRegistry().MustRegister(m)
	cs, err := m.StreamClientInterceptor()(context.Background(), bidiDesc, nil, bidi.FullMethod, nopStreamer)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = cs.SendMsg(nil)
		_ = cs.RecvMsg(nil)
	}
}
