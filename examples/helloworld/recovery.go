package main

import (
	"context"
	"log/slog"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errPanic is what a client gets from a handler that panicked.
var errPanic = status.Error(codes.Internal, "internal error")

// recoverUnary returns an interceptor that turns a panic of the rest of
// the chain into an Internal error, logging it to logger. Installed before
// grpcprom's interceptor, it lets that one see and count the panic first.
func recoverUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				logger.Warn("recovered from a handler panic", "method", info.FullMethod, "panic", p)
				resp, err = nil, errPanic
			}
		}()
		return handler(ctx, req)
	}
}

// recoverStream is recoverUnary for streaming RPCs.
func recoverStream(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if p := recover(); p != nil {
				logger.Warn("recovered from a handler panic", "method", info.FullMethod, "panic", p)
				err = errPanic
			}
		}()
		return handler(srv, ss)
	}
}
