package bench

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"connectrpc.com/otelconnect"
	"github.com/prometheus/client_golang/prometheus"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/seed-db7adb15/grpcprom"
	"github.com/seed-db7adb15/grpcprom/connectprom"
	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
	"github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld/helloworldconnect"
)

// greeter answers every call at once.
type greeter struct {
	helloworldconnect.UnimplementedGreeterHandler
}

func (greeter) SayHello(_ context.Context, req *connect.Request[pb.HelloRequest]) (*connect.Response[pb.HelloReply], error) {
	return connect.NewResponse(&pb.HelloReply{Message: req.Msg.GetName()}), nil
}

func (greeter) SayHelloBidiStream(_ context.Context, s *connect.BidiStream[pb.HelloRequest, pb.HelloReply]) error {
	for {
		in, err := s.Receive()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.Send(&pb.HelloReply{Message: in.GetName()}); err != nil {
			return err
		}
	}
}

// impl is one way of instrumenting a handler and a client.
type impl struct {
	name string
	// interceptors returns the handler's and the client's interceptor,
	// nil for none, and the registry they export to.
	interceptors func(tb testing.TB) (server, client connect.Interceptor, reg prometheus.Gatherer)
}

var impls = []impl{
	{"bare", func(testing.TB) (connect.Interceptor, connect.Interceptor, prometheus.Gatherer) { return nil, nil, nil }},
	{"connectprom", func(testing.TB) (connect.Interceptor, connect.Interceptor, prometheus.Gatherer) {
		sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
		cm := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram())
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(sm, cm)
		return connectprom.ServerInterceptor(sm), connectprom.ClientInterceptor(cm), reg
	}},
	{"otelconnect", func(tb testing.TB) (connect.Interceptor, connect.Interceptor, prometheus.Gatherer) {
		reg := prometheus.NewPedanticRegistry()
		exp, err := otelprom.New(otelprom.WithRegisterer(reg))
		if err != nil {
			tb.Fatalf("exporter: %v", err)
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
		tb.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
		i, err := otelconnect.NewInterceptor(otelconnect.WithMeterProvider(mp), otelconnect.WithoutTracing())
		if err != nil {
			tb.Fatalf("otelconnect: %v", err)
		}
		return i, i, reg
	}},
}

// start serves the greeter over h2c and returns a gRPC-protocol client.
func start(b testing.TB, im impl) (helloworldconnect.GreeterClient, prometheus.Gatherer) {
	b.Helper()
	si, ci, reg := im.interceptors(b)
	var hopts []connect.HandlerOption
	var copts = []connect.ClientOption{connect.WithGRPC()}
	if si != nil {
		hopts = append(hopts, connect.WithInterceptors(si))
		copts = append(copts, connect.WithInterceptors(ci))
	}
	path, h := helloworldconnect.NewGreeterHandler(greeter{}, hopts...)
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := httptest.NewUnstartedServer(mux)
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	srv.Config.Protocols = p
	srv.Start()
	b.Cleanup(srv.Close)
	cp := new(http.Protocols)
	cp.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: cp}
	b.Cleanup(tr.CloseIdleConnections)
	return helloworldconnect.NewGreeterClient(&http.Client{Transport: tr}, srv.URL, copts...), reg
}

// BenchmarkUnary is one unary call over h2c on loopback, instrumented on
// both sides.
func BenchmarkUnary(b *testing.B) {
	for _, im := range impls {
		b.Run(im.name, func(b *testing.B) {
			c, _ := start(b, im)
			req := connect.NewRequest(&pb.HelloRequest{Name: "x"})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.SayHello(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBidiMessage is one request and its reply on an open bidi
// stream.
func BenchmarkBidiMessage(b *testing.B) {
	for _, im := range impls {
		b.Run(im.name, func(b *testing.B) {
			c, _ := start(b, im)
			s := c.SayHelloBidiStream(context.Background())
			defer func() {
				_ = s.CloseRequest()
				_ = s.CloseResponse()
			}()
			msg := &pb.HelloRequest{Name: "x"}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Send(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Receive(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fakeRequest gives a connect request the spec connect would set.
type fakeRequest struct {
	*connect.Request[pb.HelloRequest]
	spec connect.Spec
}

func (r fakeRequest) Spec() connect.Spec { return r.spec }

// BenchmarkInterceptorUnary is the interceptors alone: an OK unary call
// through the handler's and the client's interceptor, without HTTP.
func BenchmarkInterceptorUnary(b *testing.B) {
	for _, im := range impls[1:] {
		b.Run(im.name, func(b *testing.B) {
			si, ci, _ := im.interceptors(b)
			resp := connect.NewResponse(&pb.HelloReply{})
			next := func(context.Context, connect.AnyRequest) (connect.AnyResponse, error) { return resp, nil }
			server, client := si.WrapUnary(next), ci.WrapUnary(next)
			req := connect.NewRequest(&pb.HelloRequest{})
			var sreq connect.AnyRequest = fakeRequest{req, connect.Spec{Procedure: helloworldconnect.GreeterSayHelloProcedure}}
			var creq connect.AnyRequest = fakeRequest{req, connect.Spec{Procedure: helloworldconnect.GreeterSayHelloProcedure, IsClient: true}}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, _ = server(ctx, sreq)
				_, _ = client(ctx, creq)
			}
		})
	}
}
