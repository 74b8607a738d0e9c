package grpc_prometheus

import (
	"context"
	"io"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// TestClientUnaryMessages checks one of v1's bugs fixed: a unary response
// is counted as received when the call succeeds, not when it fails.
func TestClientUnaryMessages(t *testing.T) {
	m := NewClientMetrics()
	m.EnableClientHandlingTimeHistogram()
	reg := pedantic(t, m)
	e := clientEnv(t, m)
	if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "fail"}); status.Code(err) != codes.FailedPrecondition {
			t.Fatalf("fail: %v", err)
		}
	}
	assertSeries(t, snapshot(t, reg), map[string]float64{
		key("grpc_client_started_total", "unary", "SayHello"):                                 3,
		key("grpc_client_handled_total", "unary", "SayHello", "grpc_code=OK"):                 1,
		key("grpc_client_handled_total", "unary", "SayHello", "grpc_code=FailedPrecondition"): 2,
		key("grpc_client_msg_sent_total", "unary", "SayHello"):                                3,
		key("grpc_client_msg_received_total", "unary", "SayHello"):                            1,
		key("grpc_client_handling_seconds_count", "unary", "SayHello"):                        3,
	})
}

// TestClientStreamCloseAndRecvIsHandled checks one of v1's bugs fixed: a
// client stream that ends with a successful CloseAndRecv is handled OK.
func TestClientStreamCloseAndRecvIsHandled(t *testing.T) {
	m := NewClientMetrics()
	reg := pedantic(t, m)
	e := clientEnv(t, m)
	cs, err := e.client.SayHelloStreamUnary(context.Background())
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
	assertSeries(t, snapshot(t, reg), map[string]float64{
		key("grpc_client_started_total", "client_stream", "SayHelloStreamUnary"):                 1,
		key("grpc_client_handled_total", "client_stream", "SayHelloStreamUnary", "grpc_code=OK"): 1,
		key("grpc_client_msg_sent_total", "client_stream", "SayHelloStreamUnary"):                3,
		key("grpc_client_msg_received_total", "client_stream", "SayHelloStreamUnary"):            1,
	})
}

// TestClientStreamHandledOnce checks that a server stream is handled once:
// reading again after io.EOF does not count it again (v1 counts it twice),
// and a stream the caller abandons by cancelling is recorded when gRPC
// ends it (v1 never records it).
func TestClientStreamHandledOnce(t *testing.T) {
	m := NewClientMetrics()
	reg := pedantic(t, m)
	e := clientEnv(t, m)
	ss, err := e.client.SayHelloUnaryStream(context.Background(), &pb.HelloRequest{Name: "2"})
	if err != nil {
		t.Fatal(err)
	}
	for err == nil {
		_, err = ss.Recv()
	}
	if _, err := ss.Recv(); err != io.EOF {
		t.Fatalf("second read after the end: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := e.client.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: "5"}); err != nil {
		t.Fatal(err)
	}
	cancel()
	canceled := key("grpc_client_handled_total", "server_stream", "SayHelloUnaryStream", "grpc_code=Canceled")
	eventually(t, "the cancelled stream to be handled", func() bool { return snapshot(t, reg)[canceled] == 1 })
	assertSeries(t, snapshot(t, reg), map[string]float64{
		key("grpc_client_started_total", "server_stream", "SayHelloUnaryStream"):                 2,
		key("grpc_client_handled_total", "server_stream", "SayHelloUnaryStream", "grpc_code=OK"): 1,
		canceled: 1,
		key("grpc_client_msg_received_total", "server_stream", "SayHelloUnaryStream"): 2,
		key("grpc_client_msg_sent_total", "server_stream", "SayHelloUnaryStream"):     2,
	})
}

// TestClientStreamTimeHistograms checks master's per-call histograms: one
// observation per RecvMsg and SendMsg call on streams, the final RecvMsg
// that returns io.EOF included, and none for unary calls.
func TestClientStreamTimeHistograms(t *testing.T) {
	m := NewClientMetrics()
	m.EnableClientStreamReceiveTimeHistogram()
	m.EnableClientStreamSendTimeHistogram()
	reg := pedantic(t, m)
	e := clientEnv(t, m)
	if _, err := e.client.SayHello(context.Background(), &pb.HelloRequest{Name: "ok"}); err != nil {
		t.Fatal(err)
	}
	ss, err := e.client.SayHelloUnaryStream(context.Background(), &pb.HelloRequest{Name: "3"})
	if err != nil {
		t.Fatal(err)
	}
	for err == nil {
		_, err = ss.Recv()
	}
	snap := snapshot(t, reg)
	assertSeries(t, snap, map[string]float64{
		key("grpc_client_msg_recv_handling_seconds_count", "server_stream", "SayHelloUnaryStream"): 4,
		key("grpc_client_msg_send_handling_seconds_count", "server_stream", "SayHelloUnaryStream"): 1,
	})
	for _, name := range []string{"grpc_client_msg_recv_handling_seconds_count", "grpc_client_msg_send_handling_seconds_count"} {
		if _, ok := snap[key(name, "unary", "SayHello")]; ok {
			t.Errorf("%s has a unary series", name)
		}
	}
}

// TestClientMalformedMethodIsUnknown checks that a malformed method name
// is recorded under the catch-all series, not as series of its own.
func TestClientMalformedMethodIsUnknown(t *testing.T) {
	m := NewClientMetrics()
	reg := pedantic(t, m)
	e := clientEnv(t, m)
	if err := e.conn.Invoke(context.Background(), "no-slash-at-all", &pb.HelloRequest{}, &pb.HelloReply{}); err == nil {
		t.Fatal("malformed method succeeded")
	}
	snap := snapshot(t, reg)
	want := `grpc_client_started_total{grpc_method="unknown",grpc_service="unknown",grpc_type="unary"}`
	if snap[want] != 1 || countPrefix(snap, "grpc_client_started_total") != 1 {
		t.Errorf("started series %v, want only %s = 1", snap, want)
	}
}
