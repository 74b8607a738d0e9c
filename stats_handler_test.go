package grpcprom_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// TestFrontEndsRecordTheSame drives identical traffic through both front
// ends and compares everything but histogram sums, the size histograms,
// which only the stats handler sees, and the client's per-call stream
// histograms, which only the interceptors see.
func TestFrontEndsRecordTheSame(t *testing.T) {
	var got [2]map[string]float64
	for i, fe := range frontEnds {
		reg, e := fullPair(t, fe)
		mixedTraffic(t, e)
		settle(t, reg)
		got[i] = map[string]float64{}
		for k, v := range snapshot(t, reg) {
			if !frontEndSpecific(k) {
				got[i][k] = v
			}
		}
	}
	if len(got[0]) < 60 {
		t.Fatalf("only %d series to compare", len(got[0]))
	}
	assertSeries(t, got[1], got[0])
}

// frontEndSpecific reports whether a series is recorded by one front end
// only.
func frontEndSpecific(k string) bool {
	for _, name := range []string{"_size_bytes", "_msg_recv_handling_seconds", "_msg_send_handling_seconds", "_ok_without_response_total"} {
		if strings.Contains(k, name) {
			return true
		}
	}
	return false
}

func TestStatsHandlerOversizeRequest(t *testing.T) {
	reg, e := fullPair(t, frontEnds[1], grpc.MaxRecvMsgSize(1024))
	_, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: strings.Repeat("x", 4096)})
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("oversize call: %v, want ResourceExhausted", err)
	}
	e.srv.GracefulStop() // waits for the server to record the end
	s := snapshot(t, reg)
	want := map[string]float64{
		key("grpc_server_started_total", "unary", "SayHello"):                                1,
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=ResourceExhausted"): 1,
		key("grpc_server_msg_received_total", "unary", "SayHello"):                           0,
		key("grpc_server_msg_sent_total", "unary", "SayHello"):                               0,
		key("grpc_server_in_flight_rpcs", "unary", "SayHello"):                               0,
		key("grpc_server_handling_seconds_count", "unary", "SayHello"):                       1,
		key("grpc_server_msg_received_size_bytes_count", "unary", "SayHello"):                0,
		key("grpc_server_msg_sent_size_bytes_count", "unary", "SayHello"):                    0,
	}
	assertSeries(t, filter(s, "grpc_server_"), want)
}

// brokenCodec compresses normally but cannot decompress, so that the
// server fails to decompress the request.
type brokenCodec struct{}

func (brokenCodec) Name() string { return "grpcprom-broken" }
func (brokenCodec) Compress(w io.Writer) (io.WriteCloser, error) {
	return nopWriteCloser{w}, nil
}
func (brokenCodec) Decompress(io.Reader) (io.Reader, error) {
	return nil, errors.New("cannot decompress")
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

func init() { encoding.RegisterCompressor(brokenCodec{}) }

func TestStatsHandlerDecompressionFailure(t *testing.T) {
	reg, e := fullPair(t, frontEnds[1])
	_, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}, grpc.UseCompressor(brokenCodec{}.Name()))
	code := status.Code(err)
	if code != codes.Internal {
		t.Fatalf("call with an undecompressable request: %v, want Internal", err)
	}
	e.srv.GracefulStop()
	want := map[string]float64{
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code="+code.String()): 1,
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_server_handled_total"), want)
	if v := value(t, reg, key("grpc_server_started_total", "unary", "SayHello")); v != 1 {
		t.Errorf("started = %g, want 1", v)
	}
}

func TestStatsHandlerUnknownMethodFlood(t *testing.T) {
	reg, e := fullPair(t, frontEnds[1])
	const n = 10_000
	for i := range n {
		name := fmt.Sprintf("/flood%d.Svc/M%d", i, i)
		if i%2 == 1 {
			name = fmt.Sprintf("/helloworld.Greeter/NoSuch%d", i) // known service, unknown method
		}
		err := e.conn.Invoke(context.Background(), name, &pb.HelloRequest{}, &pb.HelloReply{})
		if status.Code(err) != codes.Unimplemented {
			t.Fatalf("call %d: %v, want Unimplemented", i, err)
		}
	}
	e.srv.GracefulStop()
	want := map[string]float64{
		`grpc_server_started_total{grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"}`:                           n,
		`grpc_server_handled_total{grpc_code="Unimplemented",grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"}`: n,
		`grpc_server_msg_received_total{grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"}`:                      0,
		`grpc_server_msg_sent_total{grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"}`:                          0,
		`grpc_server_in_flight_rpcs{grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"}`:                          0,
		`grpc_server_handling_seconds_count{grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"}`:                  n,
		`grpc_server_msg_received_size_bytes_count{grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"}`:           0,
		`grpc_server_msg_sent_size_bytes_count{grpc_method="unknown",grpc_service="unknown",grpc_type="bidi_stream"}`:               0,
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_server_"), want)
}

// handledOnce checks that a method was started once and handled once on
// one side, and returns the code it was handled with.
func handledOnce(t *testing.T, reg prometheus.Gatherer, side, typ, method string) string {
	t.Helper()
	s := snapshot(t, reg)
	if v := s[key("grpc_"+side+"_started_total", typ, method)]; v != 1 {
		t.Errorf("%s started = %g, want 1", side, v)
	}
	code := ""
	total := 0.0
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if v := s[key("grpc_"+side+"_handled_total", typ, method, "grpc_code="+c.String())]; v > 0 {
			code, total = c.String(), total+v
		}
	}
	if total != 1 {
		t.Errorf("%s handled %g times, want once", side, total)
	}
	return code
}

func TestServerStopMidStreamAndClientCancel(t *testing.T) {
	for _, fe := range frontEnds {
		t.Run(fe.name+"/server stop", func(t *testing.T) {
			reg, e := fullPair(t, fe)
			bs, err := e.client.SayHelloBidiStream(context.Background())
			if err != nil {
				t.Fatalf("bidi: %v", err)
			}
			if err := bs.Send(&pb.HelloRequest{Name: "ok"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if _, err := bs.Recv(); err != nil {
				t.Fatalf("Recv: %v", err)
			}
			e.srv.Stop()
			if _, err := bs.Recv(); status.Code(err) != codes.Unavailable {
				t.Fatalf("Recv after stop: %v, want Unavailable", err)
			}
			eventually(t, "the server to end the stream", func() bool {
				return value(t, reg, key("grpc_server_in_flight_rpcs", "bidi_stream", "SayHelloBidiStream")) == 0
			})
			if c := handledOnce(t, reg, "client", "bidi_stream", "SayHelloBidiStream"); c != "Unavailable" {
				t.Errorf("client code %s, want Unavailable", c)
			}
			if c := handledOnce(t, reg, "server", "bidi_stream", "SayHelloBidiStream"); c != "Canceled" && c != "Unavailable" {
				t.Errorf("server code %s, want Canceled or Unavailable", c)
			}
		})
		t.Run(fe.name+"/client cancel", func(t *testing.T) {
			reg, e := fullPair(t, fe)
			ctx, cancel := context.WithCancel(context.Background())
			ss, err := e.client.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: "1"})
			if err != nil {
				t.Fatalf("server stream: %v", err)
			}
			if _, err := ss.Recv(); err != nil {
				t.Fatalf("Recv: %v", err)
			}
			cancel() // never read again
			eventually(t, "both sides to end the stream", func() bool {
				s := snapshot(t, reg)
				return s[key("grpc_server_in_flight_rpcs", "server_stream", "SayHelloUnaryStream")] == 0 &&
					s[key("grpc_client_in_flight_rpcs", "server_stream", "SayHelloUnaryStream")] == 0
			})
			// The server may finish before the cancel arrives.
			if c := handledOnce(t, reg, "server", "server_stream", "SayHelloUnaryStream"); c != "OK" && c != "Canceled" {
				t.Errorf("server code %s, want OK or Canceled", c)
			}
			if c := handledOnce(t, reg, "client", "server_stream", "SayHelloUnaryStream"); c != "Canceled" {
				t.Errorf("client code %s, want Canceled", c)
			}
		})
	}
}

// TestTwoStatsHandlersKeepApart installs two collectors' stats handlers
// on one server, as two teams' registries might: each records every RPC
// once.
func TestTwoStatsHandlersKeepApart(t *testing.T) {
	a, b := grpcprom.NewServerMetrics(), grpcprom.NewServerMetrics(grpcprom.WithInFlightGauge())
	regA, regB := prometheus.NewPedanticRegistry(), prometheus.NewPedanticRegistry()
	regA.MustRegister(a)
	regB.MustRegister(b)
	e := startEnv(t, []grpc.ServerOption{grpc.StatsHandler(a.StatsHandler()), grpc.StatsHandler(b.StatsHandler())}, nil)
	driveAllTypes(t, e.client)
	e.srv.GracefulStop()
	for _, reg := range []*prometheus.Registry{regA, regB} {
		want := map[string]float64{}
		for _, p := range perType {
			want[key("grpc_server_handled_total", p.typ, p.method, "grpc_code=OK")] = 1
		}
		assertSeries(t, filter(snapshot(t, reg), "grpc_server_handled_total"), want)
	}
}

// TestStatsHandlerPanicRecovered: with the stats handler, a recovered
// panic is recorded with the code the recovery interceptor returns.
func TestStatsHandlerPanicRecovered(t *testing.T) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithInFlightGauge())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm)
	e := startEnv(t, []grpc.ServerOption{grpc.StatsHandler(sm.StatsHandler()), grpc.ChainUnaryInterceptor(recoverUnary)}, nil)
	if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "panic"}); status.Code(err) != codes.Internal {
		t.Fatalf("SayHello: %v, want Internal", err)
	}
	e.srv.GracefulStop()
	want := map[string]float64{
		key("grpc_server_started_total", "unary", "SayHello"):                       1,
		key("grpc_server_handled_total", "unary", "SayHello", "grpc_code=Internal"): 1,
		key("grpc_server_msg_received_total", "unary", "SayHello"):                  1,
		key("grpc_server_msg_sent_total", "unary", "SayHello"):                      0,
		key("grpc_server_in_flight_rpcs", "unary", "SayHello"):                      0,
	}
	assertSeries(t, filter(snapshot(t, reg), "grpc_server_"), want)
}
