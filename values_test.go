package grpcprom_test

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// javaCodes pins the upper-case name of every code as the Java and Python
// libraries spell it.
var javaCodes = map[codes.Code]string{
	codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN",
	codes.InvalidArgument: "INVALID_ARGUMENT", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
	codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
	codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED",
	codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED", codes.Internal: "INTERNAL",
	codes.Unavailable: "UNAVAILABLE", codes.DataLoss: "DATA_LOSS", codes.Unauthenticated: "UNAUTHENTICATED",
}

var javaTypes = map[string]string{
	"unary": "UNARY", "client_stream": "CLIENT_STREAMING", "server_stream": "SERVER_STREAMING", "bidi_stream": "BIDI_STREAMING",
}

// mode is one way of spelling the series.
type mode struct {
	name                 string
	opts                 []grpcprom.Option
	java, legacy         bool
	handled, serverHist  string
	clientHist, codeName string
}

var modes = []mode{
	{name: "default", handled: "grpc_client_handled_total", serverHist: "grpc_server_handling_seconds",
		clientHist: "grpc_client_handling_seconds", codeName: "grpc_code"},
	{name: "java", opts: []grpcprom.Option{grpcprom.WithJavaLabelValues()}, java: true, handled: "grpc_client_handled_total",
		serverHist: "grpc_server_handling_seconds", clientHist: "grpc_client_handling_seconds", codeName: "grpc_code"},
	{name: "legacy", opts: []grpcprom.Option{grpcprom.WithLegacyMetrics()}, java: true, legacy: true,
		handled: "grpc_client_completed_total", serverHist: "grpc_server_handled_latency_seconds",
		clientHist: "grpc_client_completed_latency_seconds", codeName: "code"},
}

func (m mode) typ(t string) string {
	if m.java {
		return javaTypes[t]
	}
	return t
}

func (m mode) code(c codes.Code) string {
	if m.java {
		return javaCodes[c]
	}
	return c.String()
}

// TestModes drives every RPC type, several codes (a client cancel and a
// recovered panic among them) and streams of several messages through a
// real server and client in each mode and front end, and pins the exact
// series: names, label names and values, bucket bounds and counts.
func TestModes(t *testing.T) {
	for _, m := range modes {
		for _, fe := range frontEnds {
			t.Run(m.name+"/"+fe.name, func(t *testing.T) {
				sopts := append([]grpcprom.ServerOption{grpcprom.WithServerHandlingTimeHistogram()}, toServer(m.opts)...)
				copts := append([]grpcprom.ClientOption{grpcprom.WithClientHandlingTimeHistogram()}, toClient(m.opts)...)
				sm, cm := grpcprom.NewServerMetrics(sopts...), grpcprom.NewClientMetrics(copts...)
				reg := prometheus.NewPedanticRegistry()
				reg.MustRegister(sm, cm)
				so, do := fe.install(sm, cm)
				if fe.name == "interceptors" {
					so = []grpc.ServerOption{
						grpc.ChainUnaryInterceptor(recoverUnary, sm.UnaryServerInterceptor()),
						grpc.ChainStreamInterceptor(recoverStream, sm.StreamServerInterceptor()),
					}
				} else {
					so = append(so, grpc.ChainUnaryInterceptor(recoverUnary), grpc.ChainStreamInterceptor(recoverStream))
				}
				e := startEnv(t, so, do)
				scriptedTraffic(t, e, reg)
				settle(t, reg)
				want := m.want()
				if fe.name == "interceptors" {
					// Only the interceptors see the panic itself.
					want[key("grpc_server_panics_total", m.typ("unary"), "SayHello")] = 1
				}
				assertSeries(t, filter(snapshot(t, reg), "grpc_"), want)
				buckets := prometheus.DefBuckets
				if m.legacy {
					buckets = grpcprom.LegacyBuckets
				}
				assertBuckets(t, reg, m.serverHist, buckets)
				assertBuckets(t, reg, m.clientHist, buckets)
			})
		}
	}
}

// scriptedTraffic: 2 unary OK, 1 NotFound, 1 recovered panic, 1 cancelled
// by the client while the server waits; a server stream of 5, a client
// stream of 3 and a bidi stream of 4 messages.
func scriptedTraffic(t *testing.T, e *env, reg prometheus.Gatherer) {
	t.Helper()
	ctx := context.Background()
	for _, name := range []string{"ok", "ok", "wrapped", "panic"} {
		_, _ = e.client.SayHello(ctx, &pb.HelloRequest{Name: name})
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() {
		_, err := e.client.SayHello(cctx, &pb.HelloRequest{Name: "block"})
		done <- err
	}()
	eventually(t, "the blocking call to reach the server", func() bool {
		n := 0.0
		for k, v := range filter(snapshot(t, reg), "grpc_server_started_total") {
			if strings.Contains(k, `grpc_method="SayHello"`) {
				n += v
			}
		}
		return n == 5
	})
	cancel()
	if err := <-done; status.Code(err) != codes.Canceled {
		t.Fatalf("cancelled call: %v, want Canceled", err)
	}

	ss, err := e.client.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: "5"})
	if err != nil {
		t.Fatal(err)
	}
	for err == nil {
		_, err = ss.Recv()
	}
	if err != io.EOF {
		t.Fatalf("server stream: %v", err)
	}
	cs, err := e.client.SayHelloStreamUnary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
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
	for i := range 4 {
		if err := bs.Send(&pb.HelloRequest{Name: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
		if _, err := bs.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	_ = bs.CloseSend()
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatalf("bidi end: %v", err)
	}
}

// want is what scriptedTraffic leaves in mode m.
func (m mode) want() map[string]float64 {
	w := map[string]float64{}
	type method struct {
		typ, name             string
		started               float64
		codes                 map[codes.Code]float64
		requests, replies     float64
		clientSent, clientGot float64
	}
	methods := []method{
		{"unary", "SayHello", 5, map[codes.Code]float64{codes.OK: 2, codes.NotFound: 1, codes.Internal: 1, codes.Canceled: 1}, 5, 2, 5, 2},
		{"server_stream", "SayHelloUnaryStream", 1, map[codes.Code]float64{codes.OK: 1}, 1, 5, 1, 5},
		{"client_stream", "SayHelloStreamUnary", 1, map[codes.Code]float64{codes.OK: 1}, 3, 1, 3, 1},
		{"bidi_stream", "SayHelloBidiStream", 1, map[codes.Code]float64{codes.OK: 1}, 4, 4, 4, 4},
	}
	for _, me := range methods {
		typ := m.typ(me.typ)
		for _, side := range []string{"server", "client"} {
			w[key("grpc_"+side+"_started_total", typ, me.name)] = me.started
		}
		w[key(m.serverHist+"_count", typ, me.name)] = me.started
		w[key(m.clientHist+"_count", typ, me.name)] = me.started
		for c, n := range me.codes {
			w[key("grpc_server_handled_total", typ, me.name, m.codeName+"="+m.code(c))] = n
			w[key(m.handled, typ, me.name, m.codeName+"="+m.code(c))] = n
		}
		clientStreams := me.typ == "client_stream" || me.typ == "bidi_stream"
		serverStreams := me.typ == "server_stream" || me.typ == "bidi_stream"
		if !m.legacy || clientStreams {
			w[key("grpc_server_msg_received_total", typ, me.name)] = me.requests
			w[key("grpc_client_msg_sent_total", typ, me.name)] = me.clientSent
		}
		if !m.legacy || serverStreams {
			w[key("grpc_server_msg_sent_total", typ, me.name)] = me.replies
			w[key("grpc_client_msg_received_total", typ, me.name)] = me.clientGot
		}
	}
	return w
}

// TestJavaCodeValues: pre-initialization with Java values creates all 17
// codes under their upper-case names.
func TestJavaCodeValues(t *testing.T) {
	if len(javaCodes) != 17 {
		t.Fatalf("%d code names, want 17", len(javaCodes))
	}
	for _, m := range modes[1:] {
		t.Run(m.name, func(t *testing.T) {
			sm := grpcprom.NewServerMetrics(toServer(m.opts)...)
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(sm)
			srv := grpc.NewServer()
			pb.RegisterGreeterServer(srv, greeter{})
			sm.InitializeMetrics(srv)
			got := filter(snapshot(t, reg), "grpc_server_handled_total")
			want := map[string]float64{}
			for _, p := range perType {
				for c := codes.OK; c <= codes.Unauthenticated; c++ {
					want[key("grpc_server_handled_total", m.typ(p.typ), p.method, m.codeName+"="+javaCodes[c])] = 0
				}
			}
			assertSeries(t, got, want)
		})
	}
}

// TestLegacyCatchAll: the catch-all keeps "unknown" for service and method
// and spells type and code the legacy way.
func TestLegacyCatchAll(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithLegacyMetrics())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	e := startEnv(t, []grpc.ServerOption{grpc.StatsHandler(sm.StatsHandler())}, nil)
	err := e.conn.Invoke(context.Background(), "/no.Such/Method", &pb.HelloRequest{}, &pb.HelloReply{})
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("unknown method: %v", err)
	}
	eventually(t, "the catch-all", func() bool {
		return value(t, reg, `grpc_server_handled_total{code="UNIMPLEMENTED",grpc_method="unknown",grpc_service="unknown",grpc_type="BIDI_STREAMING"}`) == 1
	})
}

func toServer(opts []grpcprom.Option) []grpcprom.ServerOption {
	out := make([]grpcprom.ServerOption, len(opts))
	for i, o := range opts {
		out[i] = o
	}
	return out
}

func toClient(opts []grpcprom.Option) []grpcprom.ClientOption {
	out := make([]grpcprom.ClientOption, len(opts))
	for i, o := range opts {
		out[i] = o
	}
	return out
}
