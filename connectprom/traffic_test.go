package connectprom_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc/metadata"

	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
	"github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld/helloworldconnect"
)

// caller makes the calls of the scripted traffic with one framework's
// client. Every call carries the header x-tenant when tenant is set.
type caller interface {
	unary(ctx context.Context, name string) error
	// serverStream reads the stream to its end.
	serverStream(ctx context.Context, name string) error
	clientStream(ctx context.Context, names ...string) error
	// bidi sends each name and reads its reply, then closes the request
	// and reads to the end.
	bidi(ctx context.Context, names ...string) error
	// cancelServerStream reads one reply of a server stream that then
	// hangs, and cancels the call.
	cancelServerStream(ctx context.Context) error
	// cancelBidi sends a request, reads its reply and cancels the call.
	cancelBidi(ctx context.Context) error
}

// script is the traffic the equivalence tests drive through both
// frameworks: every RPC type, OK, errors of several codes, a deadline, a
// panic and cancelled streams. Bidi streams need HTTP/2.
func script(t *testing.T, c caller, bidi bool) {
	t.Helper()
	ctx := context.Background()
	for _, name := range []string{"ok", "ok", "notfound", "invalid", "plain", "canceled", "deadline", "panic"} {
		_ = c.unary(ctx, name)
	}
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	if err := c.unary(tctx, "expire"); err == nil {
		t.Errorf("expire: no error")
	}
	cancel()
	for _, name := range []string{"3", "0", "fail", "panic"} {
		_ = c.serverStream(ctx, name)
	}
	_ = c.clientStream(ctx, "a", "b")
	_ = c.clientStream(ctx)
	_ = c.clientStream(ctx, "a", "fail")
	_ = c.clientStream(ctx, "a", "panic")
	if err := c.cancelServerStream(ctx); err != nil {
		t.Errorf("cancel server stream: %v", err)
	}
	if !bidi {
		return
	}
	_ = c.bidi(ctx, "a", "b", "c")
	_ = c.bidi(ctx, "a", "fail")
	_ = c.bidi(ctx, "a", "panic")
	if err := c.cancelBidi(ctx); err != nil {
		t.Errorf("cancel bidi: %v", err)
	}
}

// grpcCaller drives a grpc-go client.
type grpcCaller struct {
	c      pb.GreeterClient
	tenant string
}

func (g grpcCaller) ctx(ctx context.Context) context.Context {
	if g.tenant == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "x-tenant", g.tenant)
}

func (g grpcCaller) unary(ctx context.Context, name string) error {
	_, err := g.c.SayHello(g.ctx(ctx), &pb.HelloRequest{Name: name})
	return err
}

func (g grpcCaller) serverStream(ctx context.Context, name string) error {
	s, err := g.c.SayHelloUnaryStream(g.ctx(ctx), &pb.HelloRequest{Name: name})
	if err != nil {
		return err
	}
	for {
		if _, err := s.Recv(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func (g grpcCaller) clientStream(ctx context.Context, names ...string) error {
	s, err := g.c.SayHelloStreamUnary(g.ctx(ctx))
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := s.Send(&pb.HelloRequest{Name: n}); err != nil {
			return err
		}
	}
	_, err = s.CloseAndRecv()
	return err
}

func (g grpcCaller) bidi(ctx context.Context, names ...string) error {
	s, err := g.c.SayHelloBidiStream(g.ctx(ctx))
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := s.Send(&pb.HelloRequest{Name: n}); err != nil {
			return err
		}
		if _, err := s.Recv(); err != nil {
			return err
		}
	}
	if err := s.CloseSend(); err != nil {
		return err
	}
	for {
		if _, err := s.Recv(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func (g grpcCaller) cancelServerStream(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := g.c.SayHelloUnaryStream(g.ctx(ctx), &pb.HelloRequest{Name: "hang"})
	if err != nil {
		return err
	}
	if _, err := s.Recv(); err != nil {
		return err
	}
	cancel()
	return nil
}

func (g grpcCaller) cancelBidi(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := g.c.SayHelloBidiStream(g.ctx(ctx))
	if err != nil {
		return err
	}
	if err := s.Send(&pb.HelloRequest{Name: "a"}); err != nil {
		return err
	}
	if _, err := s.Recv(); err != nil {
		return err
	}
	cancel()
	return nil
}

// connectCaller drives a connect-go client.
type connectCaller struct {
	c      helloworldconnect.GreeterClient
	tenant string
}

func (k connectCaller) header(h interface{ Set(string, string) }) {
	if k.tenant != "" {
		h.Set("X-Tenant", k.tenant)
	}
}

func (k connectCaller) request(name string) *connect.Request[pb.HelloRequest] {
	req := connect.NewRequest(&pb.HelloRequest{Name: name})
	k.header(req.Header())
	return req
}

func (k connectCaller) unary(ctx context.Context, name string) error {
	_, err := k.c.SayHello(ctx, k.request(name))
	return err
}

func (k connectCaller) serverStream(ctx context.Context, name string) error {
	s, err := k.c.SayHelloUnaryStream(ctx, k.request(name))
	if err != nil {
		return err
	}
	defer s.Close()
	for s.Receive() {
	}
	return s.Err()
}

func (k connectCaller) clientStream(ctx context.Context, names ...string) error {
	s := k.c.SayHelloStreamUnary(ctx)
	k.header(s.RequestHeader())
	for _, n := range names {
		if err := s.Send(&pb.HelloRequest{Name: n}); err != nil {
			break // io.EOF: the status comes from CloseAndReceive
		}
	}
	_, err := s.CloseAndReceive()
	return err
}

func (k connectCaller) bidi(ctx context.Context, names ...string) error {
	s := k.c.SayHelloBidiStream(ctx)
	k.header(s.RequestHeader())
	defer func() {
		_ = s.CloseResponse()
		_ = s.CloseRequest()
	}()
	for _, n := range names {
		if err := s.Send(&pb.HelloRequest{Name: n}); err != nil {
			return err
		}
		if _, err := s.Receive(); err != nil {
			return err
		}
	}
	if err := s.CloseRequest(); err != nil {
		return err
	}
	for {
		if _, err := s.Receive(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func (k connectCaller) cancelServerStream(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := k.c.SayHelloUnaryStream(ctx, k.request("hang"))
	if err != nil {
		return err
	}
	if !s.Receive() {
		return s.Err()
	}
	cancel()
	_ = s.Close()
	return nil
}

func (k connectCaller) cancelBidi(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := k.c.SayHelloBidiStream(ctx)
	k.header(s.RequestHeader())
	// Closing the response resets the stream, which the server sees as
	// Canceled. Closing the request first would half-close it cleanly:
	// the server would read a complete request stream. Closing the
	// request as well releases the stream when the context ended while
	// the response was arriving, which CloseResponse then misses.
	defer func() {
		_ = s.CloseResponse()
		_ = s.CloseRequest()
	}()
	if err := s.Send(&pb.HelloRequest{Name: "a"}); err != nil {
		return err
	}
	if _, err := s.Receive(); err != nil {
		return err
	}
	cancel()
	return nil
}
