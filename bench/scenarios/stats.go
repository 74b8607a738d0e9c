package scenarios

import (
	"context"
	"errors"
	"io"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
	"google.golang.org/protobuf/proto"
)

// The interceptors below drive a stats handler with the per-RPC events gRPC
// gives it, in gRPC's order, so that a stats handler can run in the direct
// scenarios. They stand in for gRPC's transport and are never installed on
// a real server or connection.

func size(m any) int {
	if p, ok := m.(proto.Message); ok {
		return proto.Size(p)
	}
	return 0
}

func inPayload(client bool, m any) *stats.InPayload {
	n := size(m)
	return &stats.InPayload{Client: client, Payload: m, Length: n, CompressedLength: n, WireLength: n + 5, RecvTime: time.Now()}
}

func outPayload(client bool, m any) *stats.OutPayload {
	n := size(m)
	return &stats.OutPayload{Client: client, Payload: m, Length: n, CompressedLength: n, WireLength: n + 5, SentTime: time.Now()}
}

func statsUnaryServer(h stats.Handler) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		begin := time.Now()
		ctx = h.TagRPC(ctx, &stats.RPCTagInfo{FullMethodName: info.FullMethod})
		h.HandleRPC(ctx, &stats.Begin{BeginTime: begin})
		h.HandleRPC(ctx, &stats.InHeader{FullMethod: info.FullMethod, WireLength: 64})
		h.HandleRPC(ctx, inPayload(false, req))
		resp, err := handler(ctx, req)
		if err == nil {
			h.HandleRPC(ctx, &stats.OutHeader{})
			h.HandleRPC(ctx, outPayload(false, resp))
		}
		h.HandleRPC(ctx, &stats.OutTrailer{})
		h.HandleRPC(ctx, &stats.End{BeginTime: begin, EndTime: time.Now(), Error: err})
		return resp, err
	}
}

type statsServerStream struct {
	grpc.ServerStream
	ctx context.Context
	h   stats.Handler
}

func (s *statsServerStream) Context() context.Context { return s.ctx }

func (s *statsServerStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil {
		s.h.HandleRPC(s.ctx, outPayload(false, m))
	}
	return err
}

func (s *statsServerStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		s.h.HandleRPC(s.ctx, inPayload(false, m))
	}
	return err
}

func statsStreamServer(h stats.Handler) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		begin := time.Now()
		ctx := h.TagRPC(ss.Context(), &stats.RPCTagInfo{FullMethodName: info.FullMethod})
		h.HandleRPC(ctx, &stats.Begin{BeginTime: begin, IsClientStream: info.IsClientStream, IsServerStream: info.IsServerStream})
		h.HandleRPC(ctx, &stats.InHeader{FullMethod: info.FullMethod, WireLength: 64})
		err := handler(srv, &statsServerStream{ServerStream: ss, ctx: ctx, h: h})
		h.HandleRPC(ctx, &stats.OutTrailer{})
		h.HandleRPC(ctx, &stats.End{BeginTime: begin, EndTime: time.Now(), Error: err})
		return err
	}
}

func statsUnaryClient(h stats.Handler) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		begin := time.Now()
		ctx = h.TagRPC(ctx, &stats.RPCTagInfo{FullMethodName: method})
		h.HandleRPC(ctx, &stats.Begin{Client: true, BeginTime: begin})
		h.HandleRPC(ctx, &stats.OutHeader{Client: true, FullMethod: method})
		h.HandleRPC(ctx, outPayload(true, req))
		err := invoker(ctx, method, req, reply, cc, opts...)
		if err == nil {
			h.HandleRPC(ctx, &stats.InHeader{Client: true, WireLength: 64})
			h.HandleRPC(ctx, inPayload(true, reply))
		}
		h.HandleRPC(ctx, &stats.InTrailer{Client: true, WireLength: 16})
		h.HandleRPC(ctx, &stats.End{Client: true, BeginTime: begin, EndTime: time.Now(), Error: err})
		return err
	}
}

type statsClientStream struct {
	grpc.ClientStream
	ctx    context.Context
	h      stats.Handler
	begin  time.Time
	header bool
	done   bool
}

func (s *statsClientStream) Context() context.Context { return s.ctx }

func (s *statsClientStream) end(err error) {
	if s.done {
		return
	}
	s.done = true
	if errors.Is(err, io.EOF) {
		err = nil
	}
	s.h.HandleRPC(s.ctx, &stats.InTrailer{Client: true, WireLength: 16})
	s.h.HandleRPC(s.ctx, &stats.End{Client: true, BeginTime: s.begin, EndTime: time.Now(), Error: err})
}

func (s *statsClientStream) SendMsg(m any) error {
	err := s.ClientStream.SendMsg(m)
	if err == nil {
		s.h.HandleRPC(s.ctx, outPayload(true, m))
	}
	return err
}

func (s *statsClientStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if err == nil {
		if !s.header {
			s.header = true
			s.h.HandleRPC(s.ctx, &stats.InHeader{Client: true, WireLength: 64})
		}
		s.h.HandleRPC(s.ctx, inPayload(true, m))
		return nil
	}
	s.end(err)
	return err
}

func statsStreamClient(h stats.Handler) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		s := &statsClientStream{h: h, begin: time.Now()}
		s.ctx = h.TagRPC(ctx, &stats.RPCTagInfo{FullMethodName: method})
		h.HandleRPC(s.ctx, &stats.Begin{Client: true, BeginTime: s.begin, IsClientStream: desc.ClientStreams, IsServerStream: desc.ServerStreams})
		h.HandleRPC(s.ctx, &stats.OutHeader{Client: true, FullMethod: method})
		cs, err := streamer(s.ctx, desc, cc, method, opts...)
		if err != nil {
			s.end(err)
			return nil, err
		}
		s.ClientStream = cs
		return s, nil
	}
}
