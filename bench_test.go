package grpcprom_test

import (
	"context"
	"io"
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

// endingClientStream is a client stream whose calls succeed at once, except
// that RecvMsg returns io.EOF after one message and then, as gRPC does,
// calls the OnFinish callbacks the streamer was given. One value is reused,
// stream after stream.
type endingClientStream struct {
	nopClientStream
	received bool
	onFinish []func(error)
}

func (s *endingClientStream) RecvMsg(any) error {
	if !s.received {
		s.received = true
		return nil
	}
	for _, f := range s.onFinish {
		f(nil)
	}
	s.onFinish = s.onFinish[:0]
	return io.EOF
}

// streamer opens s again, keeping the OnFinish callbacks.
func (s *endingClientStream) streamer(_ context.Context, _ *grpc.StreamDesc, _ *grpc.ClientConn, _ string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s.received = false
	s.onFinish = s.onFinish[:0]
	for _, o := range opts {
		if of, ok := o.(grpc.OnFinishCallOption); ok {
			s.onFinish = append(s.onFinish, of.OnFinish)
		}
	}
	return s, nil
}

// BenchmarkStreamClient measures a whole client stream with one message
// each way: open, SendMsg, CloseSend, RecvMsg, and the RecvMsg that
// returns io.EOF and ends it.
func BenchmarkStreamClient(b *testing.B) {
	m := allClient()
	ic := m.StreamClientInterceptor()
	ctx := context.Background()
	fake := &endingClientStream{}
	streamer := fake.streamer // a method value allocates: make it once
	b.ReportAllocs()
	for b.Loop() {
		cs, err := ic(ctx, bidiDesc, nil, bidi.FullMethod, streamer)
		if err != nil {
			b.Fatal(err)
		}
		_ = cs.SendMsg(nil)
		_ = cs.CloseSend()
		_ = cs.RecvMsg(nil)
		if err := cs.RecvMsg(nil); err != io.EOF {
			b.Fatalf("RecvMsg at the end of the stream: %v, want io.EOF", err)
		}
	}
	b.StopTimer()
	// Every stream ended: as many handled as started.
	if started, handled := clientCount(b, m, "grpc_client_started_total"), clientCount(b, m, "grpc_client_handled_total"); handled != started {
		b.Fatalf("%v streams handled of %v started", handled, started)
	}
}

// clientCount sums the samples of the counter family name in m.
func clientCount(b *testing.B, m *grpcprom.ClientMetrics, name string) float64 {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	families, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() == name {
			for _, s := range f.GetMetric() {
				sum += s.GetCounter().GetValue()
			}
		}
	}
	return sum
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
// one unary RPC, as gRPC does: headers in, Begin, the request, headers out,
// the response, trailers out, End.
func BenchmarkStatsHandlerUnary(b *testing.B) {
	m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithMessageSizeHistogram())
	prometheus.NewRegistry().MustRegister(m)
	h := m.StatsHandler()
	tag := &stats.RPCTagInfo{FullMethodName: benchMethod}
	events := []stats.RPCStats{
		&stats.InHeader{FullMethod: benchMethod}, &stats.Begin{}, &stats.InPayload{Length: 32},
		&stats.OutHeader{}, &stats.OutPayload{Length: 64}, &stats.OutTrailer{}, &stats.End{},
	}
	b.ReportAllocs()
	for b.Loop() {
		ctx := h.TagRPC(context.Background(), tag)
		for _, ev := range events {
			h.HandleRPC(ctx, ev)
		}
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
