package grpc_prometheus

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// TestServerMetricsRecordsEveryType drives each RPC type through a
// NewServerMetrics collector and checks the exact series, v1's names and
// label values.
func TestServerMetricsRecordsEveryType(t *testing.T) {
	m := NewServerMetrics()
	m.EnableHandlingTimeHistogram()
	reg := pedantic(t, m)
	e := serverEnv(t, m, nil)
	ctx := context.Background()

	if _, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "fail"}); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("fail: %v", err)
	}
	ss, err := e.client.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: "3"})
	if err != nil {
		t.Fatal(err)
	}
	for err == nil {
		_, err = ss.Recv()
	}
	cs, err := e.client.SayHelloStreamUnary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := cs.Send(&pb.HelloRequest{Name: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.CloseAndRecv(); err != nil {
		t.Fatal(err)
	}
	bs, err := e.client.SayHelloBidiStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.Send(&pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.Recv(); err != nil {
		t.Fatal(err)
	}
	if err := bs.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatalf("bidi end: %v", err)
	}

	snap := snapshot(t, reg)
	assertSeries(t, snap, map[string]float64{
		key("grpc_server_started_total", "unary", "SayHello"):                                 2,
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=OK"):                 1,
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=FailedPrecondition"): 1,
		key("grpc_server_msg_received_total", "unary", "SayHello"):                            2,
		key("grpc_server_msg_sent_total", "unary", "SayHello"):                                1,
		key("grpc_server_handling_seconds_count", "unary", "SayHello"):                        2,

		key("grpc_server_started_total", "server_stream", "SayHelloUnaryStream"):                 1,
		key("grpc_server_handled_total", "server_stream", "SayHelloUnaryStream", "grpc_code=OK"): 1,
		key("grpc_server_msg_received_total", "server_stream", "SayHelloUnaryStream"):            1,
		key("grpc_server_msg_sent_total", "server_stream", "SayHelloUnaryStream"):                3,

		key("grpc_server_handled_total", "client_stream", "SayHelloStreamUnary", "grpc_code=OK"): 1,
		key("grpc_server_msg_received_total", "client_stream", "SayHelloStreamUnary"):            2,
		key("grpc_server_msg_sent_total", "client_stream", "SayHelloStreamUnary"):                1,

		key("grpc_server_handled_total", "bidi_stream", "SayHelloBidiStream", "grpc_code=OK"): 1,
		key("grpc_server_msg_received_total", "bidi_stream", "SayHelloBidiStream"):            1,
		key("grpc_server_msg_sent_total", "bidi_stream", "SayHelloBidiStream"):                1,
	})
	if n := countPrefix(snap, "grpc_server_handled_total"); n != 5 {
		t.Errorf("%d handled series, want 5 (no pre-initialization without InitializeMetrics)", n)
	}
}

// TestServerContextErrorsKeepTheirCode checks one of v1's bugs fixed: a
// handler returning a context error is recorded with the code gRPC sends
// (v1 records Unknown), and a plain error is Unknown.
func TestServerContextErrorsKeepTheirCode(t *testing.T) {
	m := NewServerMetrics()
	reg := pedantic(t, m)
	e := serverEnv(t, m, nil)
	for name, want := range map[string]codes.Code{"canceled": codes.Canceled, "deadline": codes.DeadlineExceeded, "plain": codes.Unknown} {
		if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: name}); status.Code(err) != want {
			t.Fatalf("%s: client got %v, want %v", name, err, want)
		}
	}
	assertSeries(t, snapshot(t, reg), map[string]float64{
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=Canceled"):         1,
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=DeadlineExceeded"): 1,
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=Unknown"):          1,
	})
}

// TestServerPanicIsInternal checks that a panicking handler, recovered by
// an outer interceptor, is recorded as Internal (v1 never records it as
// handled).
func TestServerPanicIsInternal(t *testing.T) {
	m := NewServerMetrics()
	reg := pedantic(t, m)
	recoverer := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = status.Error(codes.Internal, "recovered")
			}
		}()
		return handler(ctx, req)
	}
	e := startEnv(t, []grpc.ServerOption{grpc.ChainUnaryInterceptor(recoverer, m.UnaryServerInterceptor())}, nil, nil)
	if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "panic"}); status.Code(err) != codes.Internal {
		t.Fatalf("got %v", err)
	}
	assertSeries(t, snapshot(t, reg), map[string]float64{
		key("grpc_server_started_total", "unary", "SayHello"):                       1,
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=Internal"): 1,
	})
}

// TestInitializeMetrics checks v1's pre-initialization: every registered
// method at zero with all 17 codes and the histogram enabled before; then
// a method the server does not register goes to the catch-all series.
func TestInitializeMetrics(t *testing.T) {
	m := NewServerMetrics()
	m.EnableHandlingTimeHistogram()
	reg := pedantic(t, m)
	unknown := func(any, grpc.ServerStream) error { return status.Error(codes.Unimplemented, "no such method") }
	e := startEnv(t, []grpc.ServerOption{
		grpc.UnaryInterceptor(m.UnaryServerInterceptor()),
		grpc.StreamInterceptor(m.StreamServerInterceptor()),
		grpc.UnknownServiceHandler(unknown),
	}, nil, m.InitializeMetrics)

	snap := snapshot(t, reg)
	methods := map[string]string{
		"SayHello": "unary", "SayHelloUnaryStream": "server_stream",
		"SayHelloStreamUnary": "client_stream", "SayHelloBidiStream": "bidi_stream",
	}
	for method, typ := range methods {
		for c := range core.NumCodes {
			k := key("grpc_server_handled_total", typ, method, "grpc_code="+codes.Code(c).String())
			if v, ok := snap[k]; !ok || v != 0 {
				t.Errorf("%s = %v, %v; want 0, present", k, v, ok)
			}
		}
		for _, name := range []string{"grpc_server_started_total", "grpc_server_msg_received_total", "grpc_server_msg_sent_total", "grpc_server_handling_seconds_count"} {
			if v, ok := snap[key(name, typ, method)]; !ok || v != 0 {
				t.Errorf("%s of %s = %v, %v; want 0, present", name, method, v, ok)
			}
		}
	}
	if n := countPrefix(snap, "grpc_server_handled_total"); n != 4*17 {
		t.Errorf("%d handled series, want 68", n)
	}

	err := e.conn.Invoke(context.Background(), "/attacker.Service/Random123", &pb.HelloRequest{}, &pb.HelloReply{})
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("unknown method: %v", err)
	}
	after := snapshot(t, reg)
	want := `grpc_server_handled_total{grpc_code="Unimplemented",grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"}`
	if after[want] != 1 {
		t.Errorf("%s = %v, want 1", want, after[want])
	}
	for k := range after {
		if strings.Contains(k, "attacker") {
			t.Errorf("series of an unregistered method: %s", k)
		}
	}
}

// TestServerOptions checks what counter and histogram options carry: const
// labels on counters and histograms, buckets, and that a custom option's
// name and help are ignored.
func TestServerOptions(t *testing.T) {
	m := NewServerMetrics(WithConstLabels(prometheus.Labels{"side": "front"}))
	rename := func(o *prometheus.HistogramOpts) { o.Name, o.Namespace, o.Help = "renamed", "ns", "mine" }
	m.EnableHandlingTimeHistogram(WithHistogramBuckets([]float64{0.5, 1}), WithHistogramConstLabels(prometheus.Labels{"h": "x"}), rename)
	m.EnableHandlingTimeHistogram(WithHistogramBuckets([]float64{7})) // ignored, as in v1
	reg := pedantic(t, m)
	e := serverEnv(t, m, nil)
	if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatal(err)
	}
	assertSeries(t, snapshot(t, reg), map[string]float64{
		key("grpc_server_started_total", "unary", "SayHello", "side=front"):                 1,
		key("grpc_server_handled_total", "unary", "SayHello", "side=front", "grpc_code=OK"): 1,
		key("grpc_server_handling_seconds_count", "unary", "SayHello", "side=front", "h=x"): 1,
		key("grpc_server_msg_received_total", "unary", "SayHello", "side=front"):            1,
		key("grpc_server_msg_sent_total", "unary", "SayHello", "side=front"):                1,
	})
	h := family(t, reg, "grpc_server_handling_seconds")
	var bounds []float64
	for _, b := range h.GetMetric()[0].GetHistogram().GetBucket() {
		bounds = append(bounds, b.GetUpperBound())
	}
	if !slices.Equal(bounds, []float64{0.5, 1}) {
		t.Errorf("buckets %v, want [0.5 1]", bounds)
	}
	if h.GetHelp() == "mine" {
		t.Error("a HistogramOption changed the help text")
	}
}

// TestNativeHistogramOption checks that a HistogramOption's native
// settings pass through, next to v1's default classic buckets.
func TestNativeHistogramOption(t *testing.T) {
	m := NewServerMetrics()
	m.EnableHandlingTimeHistogram(func(o *prometheus.HistogramOpts) { o.NativeHistogramBucketFactor = 1.1 })
	reg := pedantic(t, m)
	e := serverEnv(t, m, nil)
	if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatal(err)
	}
	h := family(t, reg, "grpc_server_handling_seconds").GetMetric()[0].GetHistogram()
	if h.Schema == nil {
		t.Error("no native histogram schema")
	}
	if n := len(h.GetBucket()); n != len(prometheus.DefBuckets) {
		t.Errorf("%d classic buckets, want v1's %d defaults", n, len(prometheus.DefBuckets))
	}
}

// TestOptionMistakesPanic checks the panic messages, which name the call
// and the mistake.
func TestOptionMistakesPanic(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"reserved const label", `grpc_prometheus: NewServerMetrics: WithConstLabels: label "grpc_code" is set by grpcprom itself`,
			func() { NewServerMetrics(WithConstLabels(prometheus.Labels{"grpc_code": "x"})) }},
		{"client reserved const label", `grpc_prometheus: NewClientMetrics: WithConstLabels: label "grpc_type" is set by grpcprom itself`,
			func() { NewClientMetrics(WithConstLabels(prometheus.Labels{"grpc_type": "x"})) }},
		{"decreasing buckets", `grpc_prometheus: EnableHandlingTimeHistogram: bucket 1 (0.1) is not greater than bucket 0 (0.5)`,
			func() { NewServerMetrics().EnableHandlingTimeHistogram(WithHistogramBuckets([]float64{0.5, 0.1})) }},
		{"bad histogram label", `grpc_prometheus: EnableClientStreamSendTimeHistogram: "a-b" is not a valid label name`,
			func() {
				NewClientMetrics().EnableClientStreamSendTimeHistogram(WithHistogramConstLabels(prometheus.Labels{"a-b": "x"}))
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != tc.want {
					t.Errorf("panic %v, want %q", p, tc.want)
				}
			}()
			tc.f()
		})
	}
}

// TestGRPCTypeConstants checks the exported grpc_type constants against
// the values the core records.
func TestGRPCTypeConstants(t *testing.T) {
	got := []grpcType{Unary, ClientStream, ServerStream, BidiStream}
	for i, typ := range []core.RPCType{core.Unary, core.ClientStream, core.ServerStream, core.BidiStream} {
		if want := core.TypeValues[core.GoValues][typ]; string(got[i]) != want {
			t.Errorf("constant %d = %q, want %q", i, got[i], want)
		}
	}
}
