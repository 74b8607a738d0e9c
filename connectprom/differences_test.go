package connectprom_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/seed-db7adb15/grpcprom/connectprom"
	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
	"github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld/helloworldconnect"
)

// TestClientRecordsCancelledBidiAtOnce: a connect client that cancels a
// bidi stream whose response has started does not reset it until the
// stream is read or closed again. The client side records the
// cancellation at once all the same; the server learns of it when the
// stream is closed.
func TestClientRecordsCancelledBidiAtOnce(t *testing.T) {
	reg, sm, cm := newPair()
	c := connectClient(t, startConnect(t, sm, true), cm, true, protocols[1])
	ctx, cancel := context.WithCancel(context.Background())
	s := c.SayHelloBidiStream(ctx)
	if err := s.Send(&pb.HelloRequest{Name: "a"}); err != nil {
		t.Fatalf("send: %v", err)
	}
	if _, err := s.Receive(); err != nil {
		t.Fatalf("receive: %v", err)
	}
	cancel()
	clientCanceled := key("grpc_client_handled_total", "bidi_stream", "SayHelloBidiStream", "grpc_code=Canceled")
	eventually(t, "the client to record the cancellation", func() bool { return snapshot(t, reg)[clientCanceled] == 1 })
	_ = s.CloseResponse()
	_ = s.CloseRequest()
	settle(t, reg)
	got := snapshot(t, reg)
	for k, want := range map[string]float64{
		clientCanceled: 1,
		key("grpc_server_handled_total", "bidi_stream", "SayHelloBidiStream", "grpc_code=Canceled"): 1,
		key("grpc_client_started_total", "bidi_stream", "SayHelloBidiStream"):                       1,
		key("grpc_server_started_total", "bidi_stream", "SayHelloBidiStream"):                       1,
	} {
		if got[k] != want {
			t.Errorf("%s = %g, want %g", k, got[k], want)
		}
	}
}

// TestCloseAndReceiveIsOneRecvCall: CloseAndReceive calls Receive twice,
// for the response and for the end of the stream, where grpc-go's
// CloseAndRecv makes one RecvMsg call. The per-call receive histogram
// counts them as one observation, so it counts the same as for grpc-go,
// successful or not.
func TestCloseAndReceiveIsOneRecvCall(t *testing.T) {
	reg, sm, cm := newPair()
	c := connectCaller{c: connectClient(t, startConnect(t, sm, true), cm, true, protocols[0])}
	ctx := context.Background()
	if err := c.clientStream(ctx, "a"); err != nil {
		t.Fatalf("client stream: %v", err)
	}
	if err := c.clientStream(ctx, "fail"); connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("client stream: %v, want FailedPrecondition", err)
	}
	settle(t, reg)
	k := key("grpc_client_msg_recv_handling_seconds_count", "client_stream", "SayHelloStreamUnary")
	if got := snapshot(t, reg)[k]; got != 2 {
		t.Errorf("%s = %g, want 2 (one per CloseAndReceive)", k, got)
	}
}

// TestClientKeepsLastTwoSegments: connect keeps only the last two path
// segments of a client's URL as the procedure, so a name grpc-go would
// find malformed ("/prefix/helloworld.Greeter/SayHello") is recorded under
// the service and method it ends with.
func TestClientKeepsLastTwoSegments(t *testing.T) {
	reg, sm, cm := newPair()
	srv := startConnect(t, sm, true)
	c := helloworldconnect.NewGreeterClient(httpClient(t, true), srv.URL+"/prefix",
		connect.WithInterceptors(connectprom.ClientInterceptor(cm)))
	_, err := c.SayHello(context.Background(), connect.NewRequest(&pb.HelloRequest{Name: "ok"}))
	if connect.CodeOf(err) != connect.CodeUnimplemented {
		t.Fatalf("call under a prefix: %v, want Unimplemented (404)", err)
	}
	want := map[string]float64{
		key("grpc_client_started_total", "unary", "SayHello"):                            1,
		key("grpc_client_handled_total", "unary", "SayHello", "grpc_code=Unimplemented"): 1,
		key("grpc_client_msg_sent_total", "unary", "SayHello"):                           1,
		key("grpc_client_handling_seconds_count", "unary", "SayHello"):                   1,
		key("grpc_client_handling_seconds_bucket", "unary", "SayHello", "le=60"):         1,
	}
	assertSeries(t, nonZero(snapshot(t, reg)), want)
}

// TestBidiOverHTTP1: connect's handlers refuse bidi streams over HTTP/1.1
// before any interceptor runs, so the server records nothing; the client
// records the failure once.
func TestBidiOverHTTP1(t *testing.T) {
	reg, sm, cm := newPair()
	c := connectClient(t, startConnect(t, sm, false), cm, false, protocols[1])
	s := c.SayHelloBidiStream(context.Background())
	_ = s.Send(&pb.HelloRequest{Name: "a"})
	_ = s.CloseRequest()
	_, err := s.Receive()
	if err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("bidi over HTTP/1.1: %v, want an error", err)
	}
	_ = s.CloseResponse()
	code := connect.CodeOf(err).String()
	got := nonZero(snapshot(t, reg))
	var handled float64
	for k, v := range got {
		if strings.HasPrefix(k, "grpc_server_") {
			t.Errorf("server recorded %s = %g", k, v)
		}
		if strings.HasPrefix(k, "grpc_client_handled_total") {
			handled += v
		}
	}
	t.Logf("bidi over HTTP/1.1 fails with %s", code)
	if handled != 1 {
		t.Errorf("client handled %g times (%s), want once", handled, code)
	}
}

// TestUnknownProceduresNeverReachInterceptors floods the handler with
// procedures it does not serve, over each protocol's content type: the
// mux and the generated handler answer 404 before any interceptor runs,
// so no series appear and nothing is counted.
func TestUnknownProceduresNeverReachInterceptors(t *testing.T) {
	reg, sm, _ := newPair()
	connectprom.InitializeServer(sm, connectprom.Services(pb.File_helloworld_proto)...)
	srv := startConnect(t, sm, true)
	before := snapshot(t, reg)
	hc := httpClient(t, true)
	types := []string{"application/proto", "application/grpc", "application/grpc-web+proto"}
	for i := 0; i < 300; i++ {
		path := []string{"/helloworld.Greeter/Nope", "/other.Service/M", "/x/y/z", "/\xff/\xfe"}[i%4] + strings.Repeat("x", i)
		req, err := http.NewRequest(http.MethodPost, srv.URL+strings.ReplaceAll(path, "\xff", "%ff"), strings.NewReader(""))
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		req.Header.Set("Content-Type", types[i%len(types)])
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("post %q: %v", path, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("post %q: status %d, want 404", path, resp.StatusCode)
		}
	}
	assertSeries(t, snapshot(t, reg), before)
}
