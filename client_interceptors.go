package grpcprom

import (
	"context"
	"io"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

// UnaryClientInterceptor returns an interceptor that records unary RPCs.
// The request counts as sent once the call is made; the response counts as
// received when the call succeeds.
func (m *ClientMetrics) UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	r := m.r
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		c := r.begin(ctx, method, typeUnary)
		returned := false
		defer func() {
			if !returned {
				c.end(codes.Internal)
			}
		}()
		err := invoker(ctx, method, req, reply, cc, opts...)
		returned = true
		c.sent()
		if err == nil {
			c.received()
		}
		c.end(codeOf(err))
		return err
	}
}

// StreamClientInterceptor returns an interceptor that records streaming
// RPCs and every message they send and receive.
//
// A stream is recorded as handled exactly once, when the first of these
// happens: RecvMsg returns io.EOF (OK) or an error, creating the stream
// fails, SendMsg fails with a status, or gRPC finishes the stream because
// its context ended or the connection closed, even if the caller never
// calls RecvMsg again.
func (m *ClientMetrics) StreamClientInterceptor() grpc.StreamClientInterceptor {
	r := m.r
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		w := &clientStream{serverStreams: desc.ServerStreams}
		w.rpc = r.begin(ctx, method, typeOf(desc.ClientStreams, desc.ServerStreams))
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
	rpc           rpc
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
	s.rpc.end(codeOf(err))
}

func (s *clientStream) SendMsg(m any) error {
	var t0 time.Duration
	if s.rpc.s.streamSend != nil {
		t0 = monotonic()
	}
	err := s.ClientStream.SendMsg(m)
	s.rpc.observeSince(s.rpc.s.streamSend, t0)
	switch {
	case err == nil:
		s.rpc.sent()
	case err != io.EOF:
		// io.EOF means the server ended the stream; its status arrives
		// through RecvMsg. Any other error is final.
		s.finish(err)
	}
	return err
}

func (s *clientStream) RecvMsg(m any) error {
	var t0 time.Duration
	if s.rpc.s.streamRecv != nil {
		t0 = monotonic()
	}
	err := s.ClientStream.RecvMsg(m)
	s.rpc.observeSince(s.rpc.s.streamRecv, t0)
	if err == nil {
		s.rpc.received()
		if !s.serverStreams {
			// The single response of a client stream ends the RPC.
			s.finish(nil)
		}
		return nil
	}
	s.finish(err)
	return err
}
