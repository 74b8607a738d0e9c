package prometheus_test

// This file reproduces the metrics code of go-grpc-middleware's
// examples/server/main.go and examples/client/main.go (written here, not
// copied): the same options, interceptor calls, exemplar and label
// functions, and InitializeMetrics. Against upstream, the code between the
// "example code" markers builds with only the grpcprom import path
// changed. What the examples take from other packages is stood in for by
// small local pieces: the otelgrpc stats handler and trace span by
// fakeTracing and spanFrom, go-grpc-middleware's recovery and timeout
// interceptors by recoveryUnary, recoveryStream and timeoutUnary, and its
// metadata.ExtractIncoming by grpc's metadata package. The service is
// helloworld's Greeter instead of testpb's TestService.
//
// Run against upstream (this file and helpers_test.go copied into the bench
// module with the import switched to providers/prometheus v1.1.1 over
// interceptors v2.3.4), the test builds and fails only on the differences
// it marks as documented: upstream has no grpcprom_*_exemplars_dropped_total
// and puts the exemplar on the started and message counters too.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"

	grpcprom "github.com/seed-db7adb15/grpcprom/compat/providers/prometheus"
)

// span stands in for an OpenTelemetry span context.
type span struct {
	traceID string
	sampled bool
}

func (s span) IsSampled() bool { return s.sampled }
func (s span) TraceID() string { return s.traceID }

type spanKey struct{}

// spanFrom stands in for trace.SpanContextFromContext.
func spanFrom(ctx context.Context) span {
	s, _ := ctx.Value(spanKey{}).(span)
	return s
}

func withSpan(ctx context.Context, traceID string) context.Context {
	return context.WithValue(ctx, spanKey{}, span{traceID: traceID, sampled: true})
}

// fakeTracing stands in for otelgrpc's stats handlers: the client side
// propagates the caller's span in metadata, the server side puts it into
// the RPC's context before the interceptors run.
type fakeTracing struct{ server bool }

func (f fakeTracing) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	if !f.server {
		if s := spanFrom(ctx); s.sampled {
			return metadata.AppendToOutgoingContext(ctx, "trace-id", s.traceID)
		}
		return ctx
	}
	if v := metadata.ValueFromIncomingContext(ctx, "trace-id"); len(v) == 1 {
		return withSpan(ctx, v[0])
	}
	return ctx
}
func (fakeTracing) HandleRPC(context.Context, stats.RPCStats) {}
func (fakeTracing) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (fakeTracing) HandleConn(context.Context, stats.ConnStats) {}

// recoveryUnary and recoveryStream stand in for go-grpc-middleware's
// recovery interceptors with a recovery handler.
func recoveryUnary(handle func(p any) error) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = handle(p)
			}
		}()
		return handler(ctx, req)
	}
}

func recoveryStream(handle func(p any) error) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = handle(p)
			}
		}()
		return handler(srv, ss)
	}
}

// timeoutUnary stands in for go-grpc-middleware's timeout interceptor.
func timeoutUnary(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// exampleServer builds the server of examples/server/main.go.
func exampleServer() (*grpc.Server, *prometheus.Registry) {
	// ---- example code (server) ----
	srvMetrics := grpcprom.NewServerMetrics(
		grpcprom.WithServerHandlingTimeHistogram(
			grpcprom.WithHistogramBuckets([]float64{0.001, 0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120}),
		),
		grpcprom.WithContextLabels("tenant_name"),
	)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(srvMetrics)
	exemplarFromContext := func(ctx context.Context) prometheus.Labels {
		if span := spanFrom(ctx); span.IsSampled() {
			return prometheus.Labels{"traceID": span.TraceID()}
		}
		return nil
	}
	labelsFromContext := func(ctx context.Context) prometheus.Labels {
		labels := prometheus.Labels{}
		tenantName := ""
		if v := metadata.ValueFromIncomingContext(ctx, "tenant-name"); len(v) > 0 {
			tenantName = v[0]
		}
		if tenantName == "" {
			tenantName = "unknown"
		}
		labels["tenant_name"] = tenantName
		return labels
	}
	panicsTotal := promauto.With(reg).NewCounter(prometheus.CounterOpts{
		Name: "grpc_req_panics_recovered_total",
		Help: "Total number of gRPC requests recovered from internal panic.",
	})
	grpcPanicRecoveryHandler := func(p any) (err error) {
		panicsTotal.Inc()
		return status.Errorf(codes.Internal, "%s", p)
	}
	grpcSrv := grpc.NewServer(
		grpc.StatsHandler(fakeTracing{server: true}),
		grpc.ChainUnaryInterceptor(
			srvMetrics.UnaryServerInterceptor(
				grpcprom.WithExemplarFromContext(exemplarFromContext),
				grpcprom.WithLabelsFromContext(labelsFromContext),
			),
			recoveryUnary(grpcPanicRecoveryHandler),
		),
		grpc.ChainStreamInterceptor(
			srvMetrics.StreamServerInterceptor(
				grpcprom.WithExemplarFromContext(exemplarFromContext),
				grpcprom.WithLabelsFromContext(labelsFromContext),
			),
			recoveryStream(grpcPanicRecoveryHandler),
		),
	)
	pb.RegisterGreeterServer(grpcSrv, greeter{})
	srvMetrics.InitializeMetrics(grpcSrv)
	// ---- end of example code ----
	return grpcSrv, reg
}

// exampleClientOptions builds the dial options and registry of
// examples/client/main.go.
func exampleClientOptions() ([]grpc.DialOption, *prometheus.Registry) {
	// ---- example code (client) ----
	reg := prometheus.NewPedanticRegistry()
	clMetrics := grpcprom.NewClientMetrics(
		grpcprom.WithClientHandlingTimeHistogram(
			grpcprom.WithHistogramBuckets([]float64{0.001, 0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120}),
		),
	)
	reg.MustRegister(clMetrics)
	exemplarFromContext := func(ctx context.Context) prometheus.Labels {
		if span := spanFrom(ctx); span.IsSampled() {
			return prometheus.Labels{"traceID": span.TraceID()}
		}
		return nil
	}
	opts := []grpc.DialOption{
		grpc.WithStatsHandler(fakeTracing{}),
		grpc.WithChainUnaryInterceptor(
			timeoutUnary(500*time.Millisecond),
			clMetrics.UnaryClientInterceptor(grpcprom.WithExemplarFromContext(exemplarFromContext)),
		),
		grpc.WithChainStreamInterceptor(
			clMetrics.StreamClientInterceptor(grpcprom.WithExemplarFromContext(exemplarFromContext)),
		),
	}
	// ---- end of example code ----
	return opts, reg
}

// TestCanonicalExamples runs traffic through the examples' server and
// client and checks the series go-grpc-middleware's provider exports for
// it, with the differences this package documents.
func TestCanonicalExamples(t *testing.T) {
	srv, srvReg := exampleServer()
	dialOpts, clReg := exampleClientOptions()
	client := pb.NewGreeterClient(serve(t, srv, dialOpts...))

	// As examples/client does: Ping-like unary calls with an
	// authorization header and no tenant, here from sampled spans.
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "bearer yolo")
	for i := 1; i <= 3; i++ {
		if _, err := client.SayHello(withSpan(ctx, fmt.Sprintf("trace-%d", i)), &pb.HelloRequest{Name: "example"}); err != nil {
			t.Fatalf("SayHello: %v", err)
		}
	}
	// A tenant, no span.
	acme := metadata.AppendToOutgoingContext(ctx, "tenant-name", "acme")
	if _, err := client.SayHello(acme, &pb.HelloRequest{Name: "example"}); err != nil {
		t.Fatalf("SayHello: %v", err)
	}
	// A panic the recovery interceptor turns into Internal.
	if _, err := client.SayHello(ctx, &pb.HelloRequest{Name: "panic"}); status.Code(err) != codes.Internal {
		t.Fatalf("SayHello(panic) = %v, want Internal", err)
	}
	// A server stream of two replies, through the stream chains.
	stream, err := client.SayHelloUnaryStream(withSpan(acme, "trace-stream"), &pb.HelloRequest{Name: "2"})
	if err != nil {
		t.Fatalf("SayHelloUnaryStream: %v", err)
	}
	for n := 0; ; n++ {
		if _, err := stream.Recv(); err == io.EOF {
			if n != 2 {
				t.Fatalf("got %d replies, want 2", n)
			}
			break
		} else if err != nil {
			t.Fatalf("Recv: %v", err)
		}
	}

	t.Run("server series", func(t *testing.T) {
		want := map[string]float64{"grpc_req_panics_recovered_total{}": 1, "grpcprom_server_exemplars_dropped_total{}": 0}
		// InitializeMetrics: every method at zero, tenant_name "".
		for _, m := range []struct{ typ, name string }{
			{"unary", "SayHello"}, {"server_stream", "SayHelloUnaryStream"},
			{"client_stream", "SayHelloStreamUnary"}, {"bidi_stream", "SayHelloBidiStream"},
		} {
			for _, n := range []string{"grpc_server_started_total", "grpc_server_msg_received_total", "grpc_server_msg_sent_total", "grpc_server_handling_seconds_count"} {
				want[key(n, m.typ, m.name, "tenant_name=")] = 0
			}
			for _, c := range codes17 {
				want[key("grpc_server_handled_total", m.typ, m.name, "tenant_name=", "grpc_code="+c)] = 0
			}
		}
		unknown, acme := "tenant_name=unknown", "tenant_name=acme"
		want[key("grpc_server_started_total", "unary", "SayHello", unknown)] = 4
		want[key("grpc_server_msg_received_total", "unary", "SayHello", unknown)] = 4
		want[key("grpc_server_msg_sent_total", "unary", "SayHello", unknown)] = 3
		want[key("grpc_server_handled_total", "unary", "SayHello", unknown, "grpc_code=OK")] = 3
		want[key("grpc_server_handled_total", "unary", "SayHello", unknown, "grpc_code=Internal")] = 1
		want[key("grpc_server_handling_seconds_count", "unary", "SayHello", unknown)] = 4
		want[key("grpc_server_started_total", "unary", "SayHello", acme)] = 1
		want[key("grpc_server_msg_received_total", "unary", "SayHello", acme)] = 1
		want[key("grpc_server_msg_sent_total", "unary", "SayHello", acme)] = 1
		want[key("grpc_server_handled_total", "unary", "SayHello", acme, "grpc_code=OK")] = 1
		want[key("grpc_server_handling_seconds_count", "unary", "SayHello", acme)] = 1
		want[key("grpc_server_started_total", "server_stream", "SayHelloUnaryStream", acme)] = 1
		want[key("grpc_server_msg_received_total", "server_stream", "SayHelloUnaryStream", acme)] = 1
		want[key("grpc_server_msg_sent_total", "server_stream", "SayHelloUnaryStream", acme)] = 2
		want[key("grpc_server_handled_total", "server_stream", "SayHelloUnaryStream", acme, "grpc_code=OK")] = 1
		want[key("grpc_server_handling_seconds_count", "server_stream", "SayHelloUnaryStream", acme)] = 1
		assertSeries(t, snapshot(t, srvReg), want)
	})

	t.Run("client series", func(t *testing.T) {
		want := map[string]float64{
			key("grpc_client_started_total", "unary", "SayHello"):                                    5,
			key("grpc_client_msg_sent_total", "unary", "SayHello"):                                   5,
			key("grpc_client_msg_received_total", "unary", "SayHello"):                               4,
			key("grpc_client_handled_total", "unary", "SayHello", "grpc_code=OK"):                    4,
			key("grpc_client_handled_total", "unary", "SayHello", "grpc_code=Internal"):              1,
			key("grpc_client_handling_seconds_count", "unary", "SayHello"):                           5,
			key("grpc_client_started_total", "server_stream", "SayHelloUnaryStream"):                 1,
			key("grpc_client_msg_sent_total", "server_stream", "SayHelloUnaryStream"):                1,
			key("grpc_client_msg_received_total", "server_stream", "SayHelloUnaryStream"):            2,
			key("grpc_client_handled_total", "server_stream", "SayHelloUnaryStream", "grpc_code=OK"): 1,
			key("grpc_client_handling_seconds_count", "server_stream", "SayHelloUnaryStream"):        1,
			"grpcprom_client_exemplars_dropped_total{}":                                              0,
		}
		assertSeries(t, snapshot(t, clReg), want)
	})

	t.Run("buckets", func(t *testing.T) {
		wantBounds := []float64{0.001, 0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120}
		for _, c := range []struct {
			reg  *prometheus.Registry
			name string
		}{
			{srvReg, "grpc_server_handling_seconds"},
			{clReg, "grpc_client_handling_seconds"},
		} {
			mfs, err := c.reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, mf := range mfs {
				if mf.GetName() != c.name {
					continue
				}
				for _, m := range mf.GetMetric() {
					var got []float64
					for _, b := range m.GetHistogram().GetBucket() {
						got = append(got, b.GetUpperBound())
					}
					if fmt.Sprint(got) != fmt.Sprint(wantBounds) {
						t.Errorf("%s%s buckets %v, want %v", c.name, labelString(m.GetLabel()), got, wantBounds)
					}
				}
			}
		}
	})

	t.Run("exemplars", func(t *testing.T) {
		unknown, acme := `tenant_name="unknown"`, `tenant_name="acme"`
		sayHello := `grpc_method="SayHello",grpc_service="helloworld.Greeter",grpc_type="unary"`
		stream := `grpc_method="SayHelloUnaryStream",grpc_service="helloworld.Greeter",grpc_type="server_stream"`
		for _, c := range []struct {
			reg          *prometheus.Registry
			name, labels string
			want         string
		}{
			// The last sampled RPC's trace, where one was sampled.
			{srvReg, "grpc_server_handled_total", `{grpc_code="OK",` + sayHello + "," + unknown + "}", "trace-3"},
			{srvReg, "grpc_server_handled_total", `{grpc_code="Internal",` + sayHello + "," + unknown + "}", ""},
			{srvReg, "grpc_server_handled_total", `{grpc_code="OK",` + sayHello + "," + acme + "}", ""},
			{srvReg, "grpc_server_handled_total", `{grpc_code="OK",` + stream + "," + acme + "}", "trace-stream"},
			{clReg, "grpc_client_handled_total", `{grpc_code="OK",` + sayHello + "}", "trace-3"},
			{clReg, "grpc_client_handled_total", `{grpc_code="Internal",` + sayHello + "}", ""},
			{clReg, "grpc_client_handled_total", `{grpc_code="OK",` + stream + "}", "trace-stream"},
			// A documented difference: the provider also puts the
			// exemplar on the started and message counters.
			{srvReg, "grpc_server_started_total", "{" + sayHello + "," + unknown + "}", ""},
			{clReg, "grpc_client_msg_sent_total", "{" + sayHello + "}", ""},
		} {
			got := traceID(metric(t, c.reg, c.name, c.labels).GetCounter().GetExemplar())
			if got != c.want {
				t.Errorf("%s%s exemplar traceID %q, want %q", c.name, c.labels, got, c.want)
			}
		}
		// Histograms keep one exemplar per bucket: the traces seen must be
		// the RPCs' own, and the last one must be among them.
		for _, c := range []struct {
			reg          *prometheus.Registry
			name, labels string
			last         string
			allowed      []string
		}{
			{srvReg, "grpc_server_handling_seconds", "{" + sayHello + "," + unknown + "}", "trace-3", []string{"trace-1", "trace-2", "trace-3"}},
			{srvReg, "grpc_server_handling_seconds", "{" + stream + "," + acme + "}", "trace-stream", []string{"trace-stream"}},
			{clReg, "grpc_client_handling_seconds", "{" + sayHello + "}", "trace-3", []string{"trace-1", "trace-2", "trace-3"}},
		} {
			var seen []string
			for _, b := range metric(t, c.reg, c.name, c.labels).GetHistogram().GetBucket() {
				if id := traceID(b.GetExemplar()); id != "" {
					if !slices.Contains(c.allowed, id) {
						t.Errorf("%s%s has exemplar %q, want one of %v", c.name, c.labels, id, c.allowed)
					}
					seen = append(seen, id)
				}
			}
			if !slices.Contains(seen, c.last) {
				t.Errorf("%s%s bucket exemplars %v lack %q", c.name, c.labels, seen, c.last)
			}
		}
		// The examples' /metrics endpoint shows them with OpenMetrics.
		line := `grpc_server_handled_total{grpc_code="OK",` + sayHello + "," + unknown + `} 3.0 # {traceID="trace-3"} 1.0 `
		if body := scrape(t, srvReg); !strings.Contains(body, line) {
			t.Errorf("server exposition lacks %q:\n%s", line, body)
		}
	})
}

// traceID returns the traceID label of an exemplar, "" for none.
func traceID(ex *dto.Exemplar) string {
	for _, l := range ex.GetLabel() {
		if l.GetName() == "traceID" {
			return l.GetValue()
		}
	}
	return ""
}

// scrape returns reg's OpenMetrics exposition, as the examples' /metrics
// endpoint serves it.
func scrape(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}
