package grpcprom

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

// UnaryServerInterceptor returns an interceptor that records unary RPCs.
// A handler that panics is recorded with code Internal and the panic goes
// on, so that a recovery interceptor installed outside still sees it.
func (m *ServerMetrics) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	r := m.r
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		c := r.begin(ctx, info.FullMethod, typeUnary)
		c.received()
		returned := false
		defer func() {
			if !returned {
				c.end(codes.Internal)
			}
		}()
		resp, err := handler(ctx, req)
		returned = true
		if err == nil {
			c.sent()
		}
		c.end(codeOf(err))
		return resp, err
	}
}

// StreamServerInterceptor returns an interceptor that records streaming
// RPCs and every message they receive and send.
func (m *ServerMetrics) StreamServerInterceptor() grpc.StreamServerInterceptor {
	r := m.r
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		w := &serverStream{ServerStream: ss}
		w.rpc = r.begin(ss.Context(), info.FullMethod, typeOf(info.IsClientStream, info.IsServerStream))
		returned := false
		defer func() {
			if !returned {
				w.rpc.end(codes.Internal)
			}
		}()
		err := handler(srv, w)
		returned = true
		w.rpc.end(codeOf(err))
		return err
	}
}

// serverStream counts the messages of a server stream.
type serverStream struct {
	grpc.ServerStream
	rpc rpc
}

func (s *serverStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil {
		s.rpc.sent()
	}
	return err
}

func (s *serverStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		s.rpc.received()
	}
	return err
}
