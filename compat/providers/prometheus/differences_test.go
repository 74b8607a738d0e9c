package prometheus_test

// The tests of this file back the package doc's "Where it differs": each
// is a place where go-grpc-middleware's provider records something wrong.

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"

	grpcprom "github.com/seed-db7adb15/grpcprom/compat/providers/prometheus"
)

// pair is a server and a client, both instrumented, each on its own
// registry.
type pair struct {
	client        pb.GreeterClient
	conn          *grpc.ClientConn
	srvReg, clReg *prometheus.Registry
	srvMetrics    *grpcprom.ServerMetrics
	clientMetrics *grpcprom.ClientMetrics
}

func newPair(t *testing.T, srvOpts []grpcprom.ServerMetricsOption, clOpts []grpcprom.ClientMetricsOption, grpcOpts ...grpc.ServerOption) *pair {
	t.Helper()
	p := &pair{srvReg: prometheus.NewPedanticRegistry(), clReg: prometheus.NewPedanticRegistry()}
	p.srvMetrics = grpcprom.NewServerMetrics(srvOpts...)
	p.clientMetrics = grpcprom.NewClientMetrics(clOpts...)
	p.srvReg.MustRegister(p.srvMetrics)
	p.clReg.MustRegister(p.clientMetrics)
	srv := grpc.NewServer(append([]grpc.ServerOption{
		grpc.ChainUnaryInterceptor(p.srvMetrics.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(p.srvMetrics.StreamServerInterceptor()),
	}, grpcOpts...)...)
	p.conn = serve(t, srv,
		grpc.WithChainUnaryInterceptor(p.clientMetrics.UnaryClientInterceptor()),
		grpc.WithChainStreamInterceptor(p.clientMetrics.StreamClientInterceptor()))
	p.client = pb.NewGreeterClient(p.conn)
	return p
}

// TestUnaryCallsDoNotFillStreamHistograms: the per-call send and receive
// histograms time the SendMsg and RecvMsg calls of streams. The provider
// also observes both for every unary call.
func TestUnaryCallsDoNotFillStreamHistograms(t *testing.T) {
	p := newPair(t, nil, []grpcprom.ClientMetricsOption{
		grpcprom.WithClientStreamSendHistogram(), grpcprom.WithClientStreamRecvHistogram(),
	})
	ctx := context.Background()
	if _, err := p.client.SayHello(ctx, &pb.HelloRequest{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	cs, err := p.client.SayHelloStreamUnary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if err := cs.Send(&pb.HelloRequest{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.CloseAndRecv(); err != nil {
		t.Fatal(err)
	}
	got := snapshot(t, p.clReg)
	assertSeries(t, filterPrefix(got, "grpc_client_msg_send_handling_seconds_count"), map[string]float64{
		key("grpc_client_msg_send_handling_seconds_count", "client_stream", "SayHelloStreamUnary"): 2,
	})
	assertSeries(t, filterPrefix(got, "grpc_client_msg_recv_handling_seconds_count"), map[string]float64{
		key("grpc_client_msg_recv_handling_seconds_count", "client_stream", "SayHelloStreamUnary"): 1,
	})
}

// TestClientStreamHandledOnce: a client stream is handled when its
// response arrives, once. Interceptors v2.1.0 never record it; v2.2.0
// and later add an Unknown completion for a RecvMsg after CloseAndRecv.
func TestClientStreamHandledOnce(t *testing.T) {
	p := newPair(t, nil, []grpcprom.ClientMetricsOption{grpcprom.WithClientHandlingTimeHistogram()})
	cs, err := p.client.SayHelloStreamUnary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.Send(&pb.HelloRequest{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CloseAndRecv(); err != nil {
		t.Fatal(err)
	}
	// The go-grpc-prometheus-era workaround: read once more.
	if err := cs.RecvMsg(new(pb.HelloReply)); err == nil {
		t.Fatal("RecvMsg after CloseAndRecv succeeded")
	}
	got := snapshot(t, p.clReg)
	assertSeries(t, filterPrefix(got, "grpc_client_handled_total"), map[string]float64{
		key("grpc_client_handled_total", "client_stream", "SayHelloStreamUnary", "grpc_code=OK"): 1,
	})
	assertSeries(t, filterPrefix(got, "grpc_client_handling_seconds_count"), map[string]float64{
		key("grpc_client_handling_seconds_count", "client_stream", "SayHelloStreamUnary"): 1,
	})
}

// TestServerStreamRecvAfterEOF: reading a server stream again after
// io.EOF does not count it handled twice, as every provider version does.
func TestServerStreamRecvAfterEOF(t *testing.T) {
	p := newPair(t, nil, nil)
	ss, err := p.client.SayHelloUnaryStream(context.Background(), &pb.HelloRequest{Name: "1"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		_, err = ss.Recv()
	}
	if err != io.EOF {
		t.Fatalf("Recv = %v, want io.EOF", err)
	}
	assertSeries(t, filterPrefix(snapshot(t, p.clReg), "grpc_client_handled_total"), map[string]float64{
		key("grpc_client_handled_total", "server_stream", "SayHelloUnaryStream", "grpc_code=OK"): 1,
	})
}

// TestPanicRecordedInternal: a handler that panics, with no recovery
// inside the metrics interceptor, is recorded as Internal and the panic
// goes on. The provider records no completion for it.
func TestPanicRecordedInternal(t *testing.T) {
	sm := grpcprom.NewServerMetrics()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	info := &grpc.UnaryServerInfo{FullMethod: "/helloworld.Greeter/SayHello"}
	got := panicOf(func() {
		_, _ = sm.UnaryServerInterceptor()(context.Background(), "req", info, func(context.Context, any) (any, error) {
			panic("boom")
		})
	})
	if got != "boom" {
		t.Fatalf("panic %q, want boom", got)
	}
	assertSeries(t, filterPrefix(snapshot(t, reg), "grpc_server_handled_total"), map[string]float64{
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=Internal"): 1,
	})
}

// TestExemplarRejectedIsDropped: client_golang panics on an exemplar over
// 128 runes, which the provider passes on. Here it is dropped and
// counted, and the drop counter exists once an interceptor has
// WithExemplarFromContext.
func TestExemplarRejectedIsDropped(t *testing.T) {
	sm := grpcprom.NewServerMetrics()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	callUnary(t, sm.UnaryServerInterceptor(), context.Background(), nil)
	if _, ok := snapshot(t, reg)["grpcprom_server_exemplars_dropped_total{}"]; ok {
		t.Fatal("drop counter exported before any interceptor has WithExemplarFromContext")
	}
	ex := func(ctx context.Context) prometheus.Labels {
		switch ctx.Value(caseKey{}) {
		case "long":
			return prometheus.Labels{"traceID": strings.Repeat("x", 200)}
		case "utf8":
			return prometheus.Labels{"traceID": "\xff"}
		case "name":
			return prometheus.Labels{"trace-id": "1"}
		}
		return prometheus.Labels{"traceID": "ok"}
	}
	icpt := sm.UnaryServerInterceptor(grpcprom.WithExemplarFromContext(ex))
	for _, c := range []string{"ok", "long", "utf8", "name"} {
		callUnary(t, icpt, context.WithValue(context.Background(), caseKey{}, c), nil)
	}
	got := snapshot(t, reg)
	if got["grpcprom_server_exemplars_dropped_total{}"] != 3 {
		t.Errorf("dropped = %v, want 3", got["grpcprom_server_exemplars_dropped_total{}"])
	}
	handled := metric(t, reg, "grpc_server_handled_total", `{grpc_code="OK",grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary"}`)
	if id := traceID(handled.GetCounter().GetExemplar()); id != "ok" || handled.GetCounter().GetValue() != 5 {
		t.Errorf("handled %v with exemplar %q, want 5 with \"ok\"", handled.GetCounter().GetValue(), id)
	}
}

// TestUnregisteredMethodAfterInitialize: after InitializeMetrics, a method
// the server does not register, which reaches the interceptors through
// grpc.UnknownServiceHandler, is recorded under "unknown" rather than
// under a caller-chosen name.
func TestUnregisteredMethodAfterInitialize(t *testing.T) {
	unknown := grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
		return status.Error(codes.Unimplemented, "no such method")
	})
	p := newPair(t, nil, nil, unknown)
	srvInfo := grpc.NewServer()
	pb.RegisterGreeterServer(srvInfo, greeter{})
	p.srvMetrics.InitializeMetrics(srvInfo)
	err := p.conn.Invoke(context.Background(), "/attacker.Chosen/Name", &pb.HelloRequest{}, new(pb.HelloReply))
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("Invoke = %v, want Unimplemented", err)
	}
	got := snapshot(t, p.srvReg)
	want := `grpc_server_handled_total{grpc_code="Unimplemented",grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"}`
	if got[want] != 1 {
		t.Errorf("%s = %v, want 1", want, got[want])
	}
	for k := range got {
		if strings.Contains(k, "attacker") {
			t.Errorf("series with the caller's name: %s", k)
		}
	}
}

// TestFromError: the code FromError gives is the one recorded.
func TestFromError(t *testing.T) {
	for _, c := range []struct {
		err  error
		want codes.Code
	}{
		{nil, codes.OK},
		{status.Error(codes.NotFound, "x"), codes.NotFound},
		{errors.Join(errors.New("ctx"), status.Error(codes.Aborted, "x")), codes.Aborted},
		{context.Canceled, codes.Canceled},
		{errors.Join(errors.New("w"), context.DeadlineExceeded), codes.DeadlineExceeded},
		{io.EOF, codes.Unknown},
		{errors.New("plain"), codes.Unknown},
	} {
		if got := grpcprom.FromError(c.err).Code(); got != c.want {
			t.Errorf("FromError(%v).Code() = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestSeriesMadeTogether: the series of a label set exist from its first
// RPC, so the sent counter of a method that has only failed reads 0 (the
// provider has no such series).
func TestSeriesMadeTogether(t *testing.T) {
	sm := grpcprom.NewServerMetrics()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	callUnary(t, sm.UnaryServerInterceptor(), context.Background(), status.Error(codes.NotFound, "no"))
	assertSeries(t, snapshot(t, reg), map[string]float64{
		key("grpc_server_started_total", "unary", "SayHello"):                       1,
		key("grpc_server_msg_received_total", "unary", "SayHello"):                  1,
		key("grpc_server_msg_sent_total", "unary", "SayHello"):                      0,
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=NotFound"): 1,
	})
}
