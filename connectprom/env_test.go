package connectprom_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	"github.com/seed-db7adb15/grpcprom/connectprom"
	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
	"github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld/helloworldconnect"
	"github.com/seed-db7adb15/grpcprom/internal/testkit"
)

// The shared fixtures of internal/testkit, under the names these tests use.
var (
	snapshot     = testkit.SnapshotBuckets
	key          = testkit.Key
	assertSeries = testkit.AssertSeries
	eventually   = testkit.Eventually
)

// protocol is one of connect's wire protocols, chosen by client options.
type protocol struct {
	name string
	opts []connect.ClientOption
}

var protocols = []protocol{
	{"connect", nil},
	{"grpc", []connect.ClientOption{connect.WithGRPC()}},
	{"grpcweb", []connect.ClientOption{connect.WithGRPCWeb()}},
}

// recoverPanic is the handlers' connect.WithRecover function: a panic
// becomes Internal, as grpc-go's recovery interceptors below make it.
func recoverPanic(context.Context, connect.Spec, http.Header, any) error {
	return connect.NewError(connect.CodeInternal, errors.New("handler panicked"))
}

// startConnect serves the connect-go Greeter with sm's interceptor on an
// httptest server: HTTP/1.1 only, or HTTP/1.1 and h2c.
func startConnect(t testing.TB, sm *grpcprom.ServerMetrics, h2c bool, opts ...connect.HandlerOption) *httptest.Server {
	t.Helper()
	all := []connect.HandlerOption{connect.WithRecover(recoverPanic)}
	if sm != nil {
		all = append(all, connect.WithInterceptors(connectprom.ServerInterceptor(sm)))
	}
	path, h := helloworldconnect.NewGreeterHandler(connectGreeter{}, append(all, opts...)...)
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := httptest.NewUnstartedServer(mux)
	if h2c {
		p := new(http.Protocols)
		p.SetHTTP1(true)
		p.SetUnencryptedHTTP2(true)
		srv.Config.Protocols = p
	}
	srv.Start()
	// Closing the connections first ends handlers a failed test left
	// blocked, which Close would wait for.
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

// httpClient returns a client that speaks HTTP/1.1 or, with h2c, HTTP/2
// without TLS.
func httpClient(t testing.TB, h2c bool) *http.Client {
	t.Helper()
	p := new(http.Protocols)
	if h2c {
		p.SetUnencryptedHTTP2(true)
	} else {
		p.SetHTTP1(true)
	}
	tr := &http.Transport{Protocols: p}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// connectClient returns a connect-go Greeter client of srv with cm's
// interceptor (when cm is not nil).
func connectClient(t testing.TB, srv *httptest.Server, cm *grpcprom.ClientMetrics, h2c bool, p protocol) helloworldconnect.GreeterClient {
	t.Helper()
	opts := append([]connect.ClientOption(nil), p.opts...)
	if cm != nil {
		opts = append(opts, connect.WithInterceptors(connectprom.ClientInterceptor(cm)))
	}
	return helloworldconnect.NewGreeterClient(httpClient(t, h2c), srv.URL, opts...)
}

// newGreeter returns a connect-go Greeter client of url over h2c with opts.
func newGreeter(t testing.TB, url string, opts ...connect.ClientOption) helloworldconnect.GreeterClient {
	t.Helper()
	return helloworldconnect.NewGreeterClient(httpClient(t, true), url, opts...)
}

// startGRPC serves the grpc-go Greeter with sm's interceptors and a
// recovery interceptor outside them.
func startGRPC(t testing.TB, sm *grpcprom.ServerMetrics) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(recoverUnary, sm.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(recoverStream, sm.StreamServerInterceptor()),
	)
	pb.RegisterGreeterServer(srv, grpcGreeter{})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func recoverUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (_ any, err error) {
	defer func() {
		if recover() != nil {
			err = status.Error(codes.Internal, "handler panicked")
		}
	}()
	return h(ctx, req)
}

func recoverStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
	defer func() {
		if recover() != nil {
			err = status.Error(codes.Internal, "handler panicked")
		}
	}()
	return h(srv, ss)
}

// grpcClient dials addr with cm's interceptors.
func grpcClient(t testing.TB, addr string, cm *grpcprom.ClientMetrics) pb.GreeterClient {
	t.Helper()
	conn, err := grpc.NewClient(addr, append(cm.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return pb.NewGreeterClient(conn)
}

// nonZero keeps the series whose value is not zero.
func nonZero(m map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// withPrefix keeps the series whose key starts with prefix.
func withPrefix(m map[string]float64, prefix string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

// settle waits until every started RPC in reg was handled.
func settle(t testing.TB, reg prometheus.Gatherer) {
	t.Helper()
	eventually(t, "every RPC to end", func() bool {
		started, handled := totals(t, reg)
		return started == handled
	})
}

// totals sums the started and handled counters of both sides.
func totals(t testing.TB, reg prometheus.Gatherer) (started, handled float64) {
	t.Helper()
	for k, v := range snapshot(t, reg) {
		switch {
		case strings.Contains(k, "_started_total{"):
			started += v
		case strings.Contains(k, "_handled_total{"), strings.Contains(k, "_completed_total{"):
			handled += v
		}
	}
	return started, handled
}

// newPair builds server and client metrics with every histogram and opts,
// registered in one pedantic registry. The histograms have one bucket of a
// minute, so that their bucket counts, unlike their sums, do not depend on
// timing.
func newPair(opts ...grpcprom.Option) (*prometheus.Registry, *grpcprom.ServerMetrics, *grpcprom.ClientMetrics) {
	b := grpcprom.WithHistogramBuckets([]float64{60})
	so := []grpcprom.ServerOption{grpcprom.WithServerHandlingTimeHistogram(b)}
	co := []grpcprom.ClientOption{grpcprom.WithClientHandlingTimeHistogram(b), grpcprom.WithClientStreamRecvHistogram(b), grpcprom.WithClientStreamSendHistogram(b)}
	for _, o := range opts {
		so = append(so, o)
		co = append(co, o)
	}
	sm := grpcprom.NewServerMetrics(so...)
	cm := grpcprom.NewClientMetrics(co...)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	return reg, sm, cm
}
