package grpcfront

import (
	"context"
	"io"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// UnaryClient returns an interceptor that records unary RPCs into r. The
// request counts as sent once the call is made; the response counts as
// received when the call succeeds.
func UnaryClient(r *core.Recorder, h *Hooks) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		c := r.Begin(ctx, h.start(ctx, core.Client, method, core.Unary))
		returned := false
		defer func() {
			if !returned {
				c.End(codes.Internal)
			}
		}()
		err := invoker(ctx, method, req, reply, cc, opts...)
		returned = true
		c.Sent()
		if err == nil {
			c.Received()
		}
		c.End(core.CodeOf(err))
		return err
	}
}

// StreamClient returns an interceptor that records streaming RPCs into r,
// and every message they send and receive.
//
// A stream is recorded as handled exactly once, when the first of these
// happens: RecvMsg returns io.EOF (OK) or an error, creating the stream
// fails, SendMsg fails with a status, or gRPC finishes the stream because
// its context ended or the connection closed, even if the caller never
// calls RecvMsg again.
func StreamClient(r *core.Recorder, h *Hooks) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		call := r.Begin(ctx, h.start(ctx, core.Client, method, core.TypeOf(desc.ClientStreams, desc.ServerStreams)))
		if !call.Recording() {
			return streamer(ctx, desc, cc, method, opts...)
		}
		w := &clientStream{serverStreams: desc.ServerStreams, call: call}
		// gRPC calls OnFinish once it considers the stream done for any
		// reason; the wrapper's buffer spares a slice allocation.
		all := w.optBuf[:0]
		if len(opts) >= len(w.optBuf) {
			all = make([]grpc.CallOption, 0, len(opts)+1)
		}
		all = append(append(all, opts...), grpc.OnFinishCallOption{OnFinish: w.finish})
		cs, err := streamer(ctx, desc, cc, method, all...)
		if err != nil {
			w.finish(err)
			return nil, err
		}
		w.ClientStream = cs
		return w, nil
	}
}

// clientStream counts the messages of a client stream and records its
// completion exactly once.
type clientStream struct {
	grpc.ClientStream
	call          core.Call
	serverStreams bool
	finished      atomic.Bool
	optBuf        [4]grpc.CallOption
}

func (s *clientStream) finish(err error) {
	if s.finished.Swap(true) {
		return
	}
	if err == io.EOF {
		err = nil
	}
	s.call.End(core.CodeOf(err))
}

func (s *clientStream) SendMsg(m any) error {
	var t0 time.Duration
	if s.call.SendTimed() {
		t0 = core.Monotonic()
	}
	err := s.ClientStream.SendMsg(m)
	s.call.SendCall(t0)
	switch {
	case err == nil:
		s.call.Sent()
	case err != io.EOF:
		// io.EOF means the server ended the stream; its status arrives
		// through RecvMsg. Any other error is final.
		s.finish(err)
	}
	return err
}

func (s *clientStream) RecvMsg(m any) error {
	var t0 time.Duration
	if s.call.RecvTimed() {
		t0 = core.Monotonic()
	}
	err := s.ClientStream.RecvMsg(m)
	s.call.RecvCall(t0)
	if err == nil {
		s.call.Received()
		if !s.serverStreams {
			// The single response of a client stream ends the RPC.
			s.finish(nil)
		}
		return nil
	}
	s.finish(err)
	return err
}
