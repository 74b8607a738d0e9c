package connectprom_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/seed-db7adb15/grpcprom"
	"github.com/seed-db7adb15/grpcprom/connectprom"
	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
)

// TestHostileHeaderValues: header values come from callers; they are
// repaired, cut and capped like metadata values, and never panic.
func TestHostileHeaderValues(t *testing.T) {
	reg, sm, cm := newPair(grpcprom.WithLabelsFromMetadata("x-tenant"), grpcprom.WithLabelValueLimit(3))
	c := connectClient(t, startConnect(t, sm, true), cm, true, protocols[0])
	for _, v := range []string{"a", "\xff\xfe", strings.Repeat("é", 200), "b", "c", "d"} {
		req := connect.NewRequest(&pb.HelloRequest{Name: "ok"})
		req.Header()["X-Tenant"] = []string{v}
		if _, err := c.SayHello(context.Background(), req); err != nil {
			t.Fatalf("call with x-tenant %q: %v", v, err)
		}
	}
	got := map[string]float64{}
	for k, v := range withPrefix(snapshot(t, reg), "grpc_server_handled_total{") {
		if v != 0 {
			got[k[strings.Index(k, "x_tenant="):]] = v
		}
	}
	want := map[string]float64{
		`x_tenant="a"}`:                               1,
		`x_tenant="` + "\ufffd" + `"}`:                1,
		`x_tenant="` + strings.Repeat("é", 64) + `"}`: 1,
		`x_tenant="__overflow__"}`:                    3,
	}
	assertSeries(t, got, want)
}

// TestExemplars: the exemplar function's labels go on handled and on the
// histograms, on both sides.
func TestExemplars(t *testing.T) {
	ex := grpcprom.WithExemplarFromContext(func(context.Context) prometheus.Labels {
		return prometheus.Labels{"trace_id": "abc"}
	})
	reg, sm, cm := newPair(ex)
	c := connectCaller{c: connectClient(t, startConnect(t, sm, true), cm, true, protocols[1])}
	if err := c.unary(context.Background(), "ok"); err != nil {
		t.Fatalf("unary: %v", err)
	}
	if err := c.bidi(context.Background(), "a"); err != nil {
		t.Fatalf("bidi: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	seen := map[string]int{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var exs []*dto.Exemplar
			if c := m.GetCounter(); c != nil && c.GetExemplar() != nil {
				exs = append(exs, c.GetExemplar())
			}
			if h := m.GetHistogram(); h != nil {
				for _, b := range h.GetBucket() {
					if b.GetExemplar() != nil {
						exs = append(exs, b.GetExemplar())
					}
				}
			}
			for _, e := range exs {
				if len(e.GetLabel()) != 1 || e.GetLabel()[0].GetValue() != "abc" {
					t.Errorf("%s: exemplar %v", mf.GetName(), e)
				}
				seen[mf.GetName()]++
			}
		}
	}
	for _, name := range []string{"grpc_server_handled_total", "grpc_client_handled_total", "grpc_server_handling_seconds", "grpc_client_handling_seconds", "grpc_client_msg_recv_handling_seconds"} {
		if seen[name] == 0 {
			t.Errorf("no exemplar on %s", name)
		}
	}
}

// fakeRequest gives a real connect request the spec a handler would see,
// so that the interceptor can be called without HTTP.
type fakeRequest struct {
	*connect.Request[pb.HelloRequest]
	spec connect.Spec
}

func (r fakeRequest) Spec() connect.Spec { return r.spec }

// TestUnaryDoesNotAllocate: with a label from a header, an OK unary call
// through the server and the client interceptor allocates nothing.
func TestUnaryDoesNotAllocate(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithLabelsFromMetadata("x-tenant"))
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(), grpcprom.WithLabelsFromMetadata("x-tenant"))
	req := connect.NewRequest(&pb.HelloRequest{Name: "ok"})
	req.Header().Set("X-Tenant", "a")
	resp := connect.NewResponse(&pb.HelloReply{})
	next := func(context.Context, connect.AnyRequest) (connect.AnyResponse, error) { return resp, nil }
	for _, side := range []struct {
		name string
		f    connect.UnaryFunc
		req  connect.AnyRequest
	}{
		{"server", connectprom.ServerInterceptor(sm).WrapUnary(next), fakeRequest{req, connect.Spec{Procedure: "/helloworld.Greeter/SayHello"}}},
		{"client", connectprom.ClientInterceptor(cm).WrapUnary(next), fakeRequest{req, connect.Spec{Procedure: "/helloworld.Greeter/SayHello", IsClient: true}}},
	} {
		ctx := context.Background()
		if n := testing.AllocsPerRun(200, func() { _, _ = side.f(ctx, side.req) }); n != 0 {
			t.Errorf("%s: %g allocations per call, want 0", side.name, n)
		}
	}
}

// TestInterceptorsKeepToTheirSide: a server interceptor on a client, or a
// client interceptor on a handler, records nothing.
func TestInterceptorsKeepToTheirSide(t *testing.T) {
	reg, sm, cm := newPair()
	srv := startConnect(t, nil, true, connect.WithInterceptors(connectprom.ClientInterceptor(cm)))
	// The client carries the server interceptor.
	c := connectCaller{c: newGreeter(t, srv.URL, connect.WithGRPC(), connect.WithInterceptors(connectprom.ServerInterceptor(sm)))}
	if err := c.unary(context.Background(), "ok"); err != nil {
		t.Fatalf("unary: %v", err)
	}
	if err := c.bidi(context.Background(), "a"); err != nil {
		t.Fatalf("bidi: %v", err)
	}
	if got := nonZero(snapshot(t, reg)); len(got) != 0 {
		t.Errorf("recorded %v", got)
	}
}

// TestNilMetricsPanic: the constructors name the mistake.
func TestNilMetricsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"ServerInterceptor": func() { connectprom.ServerInterceptor(nil) },
		"ClientInterceptor": func() { connectprom.ClientInterceptor(nil) },
		"InitializeServer":  func() { connectprom.InitializeServer(nil) },
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "connectprom: "+name+": nil") {
					t.Errorf("%s(nil): panic %q", name, msg)
				}
			}()
			f()
		}()
	}
}
