package grpcprom_test

import (
	"context"
	"io"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// driveAllTypes makes one successful RPC of each type: a unary call, a
// server stream of 3 replies, a client stream of 2 requests and a bidi
// stream of 2 round trips.
func driveAllTypes(t testing.TB, c pb.GreeterClient) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.SayHello(ctx, &pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatalf("SayHello: %v", err)
	}
	ss, err := c.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: "3"})
	if err != nil {
		t.Fatalf("SayHelloUnaryStream: %v", err)
	}
	for i := 0; ; i++ {
		if _, err := ss.Recv(); err == io.EOF {
			if i != 3 {
				t.Fatalf("server stream sent %d replies, want 3", i)
			}
			break
		} else if err != nil {
			t.Fatalf("server stream Recv: %v", err)
		}
	}
	cs, err := c.SayHelloStreamUnary(ctx)
	if err != nil {
		t.Fatalf("SayHelloStreamUnary: %v", err)
	}
	for range 2 {
		if err := cs.Send(&pb.HelloRequest{Name: "ok"}); err != nil {
			t.Fatalf("client stream Send: %v", err)
		}
	}
	if _, err := cs.CloseAndRecv(); err != nil {
		t.Fatalf("client stream CloseAndRecv: %v", err)
	}
	bs, err := c.SayHelloBidiStream(ctx)
	if err != nil {
		t.Fatalf("SayHelloBidiStream: %v", err)
	}
	for range 2 {
		if err := bs.Send(&pb.HelloRequest{Name: "ok"}); err != nil {
			t.Fatalf("bidi Send: %v", err)
		}
		if _, err := bs.Recv(); err != nil {
			t.Fatalf("bidi Recv: %v", err)
		}
	}
	if err := bs.CloseSend(); err != nil {
		t.Fatalf("bidi CloseSend: %v", err)
	}
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatalf("bidi final Recv = %v, want io.EOF", err)
	}
}

// perType lists, for each Greeter method, its type and the messages of
// driveAllTypes: requests, replies, and the client's RecvMsg and SendMsg
// calls (RecvMsg includes the call that returns io.EOF).
var perType = []struct {
	typ, method                     string
	requests, replies, recvs, sends float64
}{
	{"unary", "SayHello", 1, 1, 0, 0},
	{"server_stream", "SayHelloUnaryStream", 1, 3, 4, 1},
	{"client_stream", "SayHelloStreamUnary", 2, 1, 1, 2},
	{"bidi_stream", "SayHelloBidiStream", 2, 2, 3, 2},
}

func TestEveryMetricEveryType(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	cm := grpcprom.NewClientMetrics(
		grpcprom.WithClientHandlingTimeHistogram(),
		grpcprom.WithClientStreamRecvHistogram(),
		grpcprom.WithClientStreamSendHistogram(),
	)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	e := startEnv(t, sm.ServerOptions(), cm.DialOptions())
	driveAllTypes(t, e.client)

	wantServer, wantClient := map[string]float64{}, map[string]float64{}
	for _, p := range perType {
		wantServer[key("grpc_server_started_total", p.typ, p.method)] = 1
		wantServer[key("grpc_server_handled_total", p.typ, p.method, "grpc_code=OK")] = 1
		wantServer[key("grpc_server_msg_received_total", p.typ, p.method)] = p.requests
		wantServer[key("grpc_server_msg_sent_total", p.typ, p.method)] = p.replies
		wantServer[key("grpc_server_handling_seconds_count", p.typ, p.method)] = 1

		wantClient[key("grpc_client_started_total", p.typ, p.method)] = 1
		wantClient[key("grpc_client_handled_total", p.typ, p.method, "grpc_code=OK")] = 1
		wantClient[key("grpc_client_msg_sent_total", p.typ, p.method)] = p.requests
		wantClient[key("grpc_client_msg_received_total", p.typ, p.method)] = p.replies
		wantClient[key("grpc_client_handling_seconds_count", p.typ, p.method)] = 1
		if p.typ != "unary" {
			wantClient[key("grpc_client_msg_recv_handling_seconds_count", p.typ, p.method)] = p.recvs
			wantClient[key("grpc_client_msg_send_handling_seconds_count", p.typ, p.method)] = p.sends
		}
	}
	got := snapshot(t, reg)
	assertSeries(t, filter(got, "grpc_server_"), wantServer)
	assertSeries(t, filter(got, "grpc_client_"), wantClient)
}

// TestLegacyModeEveryType pins legacy mode's series: the Python and Java
// libraries' names, label values, and stream-only message counting.
func TestLegacyModeEveryType(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithLegacyMetrics())
	cm := grpcprom.NewClientMetrics(grpcprom.WithLegacyMetrics())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	e := startEnv(t, sm.ServerOptions(), cm.DialOptions())
	driveAllTypes(t, e.client)

	javaType := map[string]string{
		"unary": "UNARY", "client_stream": "CLIENT_STREAMING",
		"server_stream": "SERVER_STREAMING", "bidi_stream": "BIDI_STREAMING",
	}
	want := map[string]float64{}
	for _, p := range perType {
		typ := javaType[p.typ]
		clientStreams := p.typ == "client_stream" || p.typ == "bidi_stream"
		serverStreams := p.typ == "server_stream" || p.typ == "bidi_stream"
		want[key("grpc_server_started_total", typ, p.method)] = 1
		want[key("grpc_server_handled_total", typ, p.method, "code=OK")] = 1
		want[key("grpc_server_handled_latency_seconds_count", typ, p.method)] = 1
		want[key("grpc_client_started_total", typ, p.method)] = 1
		want[key("grpc_client_completed_total", typ, p.method, "code=OK")] = 1
		want[key("grpc_client_completed_latency_seconds_count", typ, p.method)] = 1
		if clientStreams {
			want[key("grpc_server_msg_received_total", typ, p.method)] = p.requests
			want[key("grpc_client_msg_sent_total", typ, p.method)] = p.requests
		}
		if serverStreams {
			want[key("grpc_server_msg_sent_total", typ, p.method)] = p.replies
			want[key("grpc_client_msg_received_total", typ, p.method)] = p.replies
		}
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_"), want)
	assertBuckets(t, reg, "grpc_server_handled_latency_seconds", grpcprom.LegacyBuckets)
	assertBuckets(t, reg, "grpc_client_completed_latency_seconds", grpcprom.LegacyBuckets)
}

func TestLegacyHistogramTakesHandlingTimeBuckets(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithLegacyMetrics(),
		grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets([]float64{0.5, 2})))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	e := startEnv(t, sm.ServerOptions(), nil)
	driveAllTypes(t, e.client)
	assertBuckets(t, reg, "grpc_server_handled_latency_seconds", []float64{0.5, 2})
}

// assertBuckets checks the upper bounds of every series of a histogram.
func assertBuckets(t *testing.T, reg prometheus.Gatherer, name string, want []float64) {
	t.Helper()
	series := metricsOf(t, reg, name)
	if len(series) == 0 {
		t.Fatalf("no series of %s", name)
	}
	for _, m := range series {
		var got []float64
		for _, b := range m.GetHistogram().GetBucket() {
			got = append(got, b.GetUpperBound())
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s buckets = %v, want %v", name, got, want)
		}
	}
}

func TestPedanticRegistryAcceptsEveryOption(t *testing.T) {
	sm := grpcprom.NewServerMetrics(
		grpcprom.WithServerHandlingTimeHistogram(),
		grpcprom.WithInFlightGauge(),
		grpcprom.WithMessageSizeHistogram(),
		grpcprom.WithNamespace("ns"), grpcprom.WithSubsystem("sub"),
		grpcprom.WithConstLabels(prometheus.Labels{"env": "test"}),
	)
	cm := grpcprom.NewClientMetrics(
		grpcprom.WithClientHandlingTimeHistogram(),
		grpcprom.WithClientStreamRecvHistogram(),
		grpcprom.WithClientStreamSendHistogram(),
		grpcprom.WithInFlightGauge(),
		grpcprom.WithMessageSizeHistogram(),
		grpcprom.WithNamespace("ns"), grpcprom.WithSubsystem("sub"),
		grpcprom.WithConstLabels(prometheus.Labels{"env": "test"}),
	)
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(sm); err != nil {
		t.Fatalf("register server metrics: %v", err)
	}
	if err := reg.Register(cm); err != nil {
		t.Fatalf("register client metrics: %v", err)
	}
	e := startEnv(t, []grpc.ServerOption{grpc.StatsHandler(sm.StatsHandler())}, []grpc.DialOption{grpc.WithStatsHandler(cm.StatsHandler())})
	driveAllTypes(t, e.client)
	if _, err := reg.Gather(); err != nil {
		t.Fatalf("pedantic gather: %v", err)
	}
}
