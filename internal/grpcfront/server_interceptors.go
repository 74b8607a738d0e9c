package grpcfront

import (
	"context"

	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// UnaryServer returns an interceptor that records unary RPCs into r. A
// handler that panics is recorded with code Internal and the panic goes
// on, so that a recovery interceptor installed outside still sees it.
func UnaryServer(r *core.Recorder, h *Hooks) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		c := r.Begin(ctx, h.start(ctx, core.Server, info.FullMethod, core.Unary))
		c.Received()
		returned := false
		defer func() {
			if !returned {
				c.Panicked()
			}
		}()
		resp, err := handler(ctx, req)
		returned = true
		if err == nil {
			c.Sent()
		}
		c.End(core.CodeOf(err))
		return resp, err
	}
}

// StreamServer returns an interceptor that records streaming RPCs into r,
// and every message they receive and send.
func StreamServer(r *core.Recorder, h *Hooks) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx := ss.Context()
		call := r.Begin(ctx, h.start(ctx, core.Server, info.FullMethod, core.TypeOf(info.IsClientStream, info.IsServerStream)))
		if !call.Recording() {
			return handler(srv, ss)
		}
		w := &serverStream{ServerStream: ss, call: call}
		returned := false
		defer func() {
			if !returned {
				w.call.Panicked()
			}
		}()
		err := handler(srv, w)
		returned = true
		w.call.End(core.CodeOf(err))
		return err
	}
}

// serverStream counts the messages of a server stream.
type serverStream struct {
	grpc.ServerStream
	call core.Call
}

func (s *serverStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil {
		s.call.Sent()
	}
	return err
}

func (s *serverStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		s.call.Received()
	}
	return err
}
