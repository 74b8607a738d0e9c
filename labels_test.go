package grpcprom_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// labelValues returns, for a counter, the total per value of one label.
func labelValues(t *testing.T, reg prometheus.Gatherer, metric, label string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, m := range metricsOf(t, reg, metric) {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				out[l.GetValue()] += m.GetCounter().GetValue()
			}
		}
	}
	return out
}

func TestLabelsFromMetadata(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			opts := []grpcprom.Option{grpcprom.WithLabelsFromMetadata("X-Tenant"), grpcprom.WithLabelValueLimit(2)}
			sm := grpcprom.NewServerMetrics(opts[0], opts[1])
			cm := grpcprom.NewClientMetrics(opts[0], opts[1])
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(sm, cm)
			so, do := fe.install(sm, cm)
			e := startEnv(t, so, do)
			for _, tenant := range []string{"a", "a", "b", "c", "d", ""} {
				ctx := context.Background()
				if tenant != "" {
					ctx = metadata.AppendToOutgoingContext(ctx, "x-tenant", tenant)
				}
				if _, err := e.client.SayHello(ctx, &pb.HelloRequest{Name: "ok"}); err != nil {
					t.Fatalf("SayHello: %v", err)
				}
			}
			e.srv.GracefulStop()
			want := map[string]float64{"a": 2, "b": 1, grpcprom.OverflowLabelValue: 3}
			for _, side := range []string{"server", "client"} {
				assertSeries(t, labelValues(t, reg, "grpc_"+side+"_started_total", "x_tenant"), want)
				assertSeries(t, labelValues(t, reg, "grpc_"+side+"_handled_total", "x_tenant"), want)
			}
			k := key("grpc_server_handled_total", "unary", "SayHello", "x_tenant=a", "grpc_code=OK")
			if v := value(t, reg, k); v != 2 {
				t.Errorf("%s = %g, want 2", k, v)
			}
		})
	}
}

func TestContextLabel(t *testing.T) {
	type tenantKey struct{}
	tenant := func(ctx context.Context) string { s, _ := ctx.Value(tenantKey{}).(string); return s }
	// An interceptor outside the metrics stores the tenant in the context.
	auth := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		return h(context.WithValue(ctx, tenantKey{}, "acme"), req)
	}
	sm := grpcprom.NewServerMetrics(grpcprom.WithContextLabel("tenant", tenant))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	e := startEnv(t, []grpc.ServerOption{grpc.ChainUnaryInterceptor(auth, sm.UnaryServerInterceptor())}, nil)
	if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatalf("SayHello: %v", err)
	}
	want := map[string]float64{
		key("grpc_server_started_total", "unary", "SayHello", "tenant=acme"):                 1,
		key("grpc_server_handled_total", "unary", "SayHello", "tenant=acme", "grpc_code=OK"): 1,
		key("grpc_server_msg_received_total", "unary", "SayHello", "tenant=acme"):            1,
		key("grpc_server_msg_sent_total", "unary", "SayHello", "tenant=acme"):                1,
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_server_"), want)
}

func TestLabelConfigurationErrors(t *testing.T) {
	server := func(opts ...grpcprom.ServerOption) func() { return func() { grpcprom.NewServerMetrics(opts...) } }
	empty := func(context.Context) string { return "" }
	mustPanic(t, server(grpcprom.WithLabelsFromMetadata("x.tenant")), `grpcprom: NewServerMetrics: WithLabelsFromMetadata("x.tenant"): "x.tenant" is not a valid label name`)
	mustPanic(t, server(grpcprom.WithLabelsFromMetadata("")), `grpcprom: NewServerMetrics: WithLabelsFromMetadata(""): "" is not a valid label name`)
	mustPanic(t, server(grpcprom.WithContextLabel("bad name", empty)), `grpcprom: NewServerMetrics: WithContextLabel("bad name"): "bad name" is not a valid label name`)
	mustPanic(t, server(grpcprom.WithContextLabel("tenant", nil)), `grpcprom: NewServerMetrics: WithContextLabel("tenant"): the value function is nil`)
	mustPanic(t, func() { grpcprom.NewClientMetrics(grpcprom.WithLabelValueLimit(0)) }, "grpcprom: NewClientMetrics: WithLabelValueLimit: the limit must be at least 1, not 0")
	mustPanic(t, server(grpcprom.WithLabelsFromMetadata("grpc-method")), `grpcprom: NewServerMetrics: WithLabelsFromMetadata("grpc-method"): label "grpc_method" is defined twice, is a const label, or is set by grpcprom itself`)
	mustPanic(t, func() {
		grpcprom.NewServerMetrics(grpcprom.WithLabelsFromMetadata("tenant"), grpcprom.WithContextLabel("tenant", empty))
	}, `"tenant"`, "twice")
}

// TestHostileMetadata sends what grpc-go's client will not: hundreds of
// distinct header values, long ones and ones with bytes 0x80-0xFF, over
// a raw HTTP/2 connection, through both front ends.
func TestHostileMetadata(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name, func(t *testing.T) {
			sm := grpcprom.NewServerMetrics(grpcprom.WithLabelsFromMetadata("x-tenant"), grpcprom.WithServerHandlingTimeHistogram())
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(sm)
			so, _ := fe.install(sm, grpcprom.NewClientMetrics())
			e := startEnv(t, so, nil)
			c := dialRawH2(t, e.addr)
			const n = 400
			for i := range n {
				var v string
				switch i % 4 {
				case 0:
					v = fmt.Sprintf("tenant-%d", i)
				case 1:
					v = strings.Repeat(fmt.Sprintf("long%d-", i), 200)
				case 2:
					v = fmt.Sprintf("bin\xff\xfe\x80%d", i)
				default:
					v = "caf\xe9"
				}
				st, err := c.sayHello(map[string]string{"x-tenant": v})
				if err != nil || st != "0" {
					t.Fatalf("call %d (x-tenant %q): status %q, %v; want 0", i, v[:min(len(v), 20)], st, err)
				}
			}
			e.srv.GracefulStop()
			got := labelValues(t, reg, "grpc_server_handled_total", "x_tenant")
			if len(got) != grpcprom.DefaultLabelValueLimit+1 {
				t.Errorf("%d distinct x_tenant values, want %d + overflow", len(got), grpcprom.DefaultLabelValueLimit)
			}
			total := 0.0
			for v, c := range got {
				total += c
				if len(v) > grpcprom.MaxLabelValueLength {
					t.Errorf("value of %d bytes kept", len(v))
				}
			}
			if total != n {
				t.Errorf("handled %g RPCs, want %d", total, n)
			}
			if got["caf\uFFFD"] != n/4 {
				t.Errorf(`x_tenant="caf\uFFFD" = %g, want %d`, got["caf\uFFFD"], n/4)
			}
			if got[grpcprom.OverflowLabelValue] < n-grpcprom.DefaultLabelValueLimit-n/4 {
				t.Errorf("overflow = %g, want at least %d", got[grpcprom.OverflowLabelValue], n-grpcprom.DefaultLabelValueLimit-n/4)
			}
			started := labelValues(t, reg, "grpc_server_started_total", "x_tenant")
			assertSeries(t, started, got)
		})
	}
}

func TestCodeOnHistogramsWithInitialize(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithCodeOnHistograms())
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(), grpcprom.WithCodeOnHistograms())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	e := startEnv(t, sm.ServerOptions(), cm.DialOptions())
	sm.InitializeMetrics(e.srv)
	cm.InitializeMetrics(&pb.Greeter_ServiceDesc)
	_, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "wrapped"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("SayHello: %v, want NotFound", err)
	}
	for _, side := range []string{"server", "client"} {
		name := "grpc_" + side + "_handling_seconds_count"
		want := map[string]float64{}
		for _, p := range perType {
			for c := codes.OK; c <= codes.Unauthenticated; c++ {
				want[key(name, p.typ, p.method, "grpc_code="+c.String())] = 0
			}
		}
		want[key(name, "unary", "SayHello", "grpc_code=NotFound")] = 1
		assertSeries(t, filter(snapshot(t, reg), name), want)
	}
}

func TestClientInitializeMetrics(t *testing.T) {
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(cm)
	cm.InitializeMetrics(&pb.Greeter_ServiceDesc)
	want := map[string]float64{}
	for _, p := range perType {
		want[key("grpc_client_started_total", p.typ, p.method)] = 0
		want[key("grpc_client_msg_sent_total", p.typ, p.method)] = 0
		want[key("grpc_client_msg_received_total", p.typ, p.method)] = 0
		want[key("grpc_client_handling_seconds_count", p.typ, p.method)] = 0
		for c := codes.OK; c <= codes.Unauthenticated; c++ {
			want[key("grpc_client_handled_total", p.typ, p.method, "grpc_code="+c.String())] = 0
		}
	}
	assertSeries(t, snapshot(t, reg), want)
}
