package grpcprom

import (
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom/internal/grpcfront"
)

// UnaryServerInterceptor returns an interceptor that records unary RPCs.
// A handler that panics is recorded with code Internal and the panic goes
// on, so that a recovery interceptor installed outside still sees it.
func (m *ServerMetrics) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return grpcfront.UnaryServer(m.r, nil)
}

// StreamServerInterceptor returns an interceptor that records streaming
// RPCs and every message they receive and send.
func (m *ServerMetrics) StreamServerInterceptor() grpc.StreamServerInterceptor {
	return grpcfront.StreamServer(m.r, nil)
}
