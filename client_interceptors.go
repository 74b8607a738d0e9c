package grpcprom

import (
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom/internal/grpcfront"
)

// UnaryClientInterceptor returns an interceptor that records unary RPCs.
// The request counts as sent once the call is made; the response counts as
// received when the call succeeds.
func (m *ClientMetrics) UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return grpcfront.UnaryClient(m.r, nil)
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
	return grpcfront.StreamClient(m.r, nil)
}
