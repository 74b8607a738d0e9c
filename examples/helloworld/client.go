package main

import (
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/seed-db7adb15/grpcprom"
)

// newClientMetrics returns client metrics with every optional metric
// enabled, attempts included, that leave the health checks out.
func newClientMetrics() *grpcprom.ClientMetrics {
	return grpcprom.NewClientMetrics(
		grpcprom.WithClientHandlingTimeHistogram(),
		grpcprom.WithClientStreamRecvHistogram(),
		grpcprom.WithClientStreamSendHistogram(),
		grpcprom.WithInFlightGauge(),
		grpcprom.WithMessageSizeHistogram(),
		grpcprom.WithConnectionMetrics(),
		grpcprom.WithClientAttemptMetrics(),
		grpcprom.WithoutHealthChecks(),
	)
}

// serviceConfig retries the Greeter's calls that fail with Unavailable (the
// server is shutting down or overloaded, as -fault-ratio pretends) or
// Aborted (the call lost a race with another, as the "conflict" name
// pretends), up to 3 attempts in all. gRPC retries a call only until the
// client has received a response header or message.
const serviceConfig = `{
  "methodConfig": [{
    "name": [{"service": "helloworld.Greeter"}],
    "retryPolicy": {
      "maxAttempts": 3,
      "initialBackoff": "0.01s",
      "maxBackoff": "0.1s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE", "ABORTED"]
    }
  }]
}`

// clientOptions returns the options that install cm on a gRPC client
// connection through the given front end. The interceptors record calls,
// and DialOptions adds stats handlers for attempts and connections; the
// stats handler alone records each attempt as a call, and connections.
func clientOptions(cm *grpcprom.ClientMetrics, frontEnd string) ([]grpc.DialOption, error) {
	switch frontEnd {
	case frontEndInterceptors:
		return cm.DialOptions(), nil
	case frontEndStats:
		return []grpc.DialOption{grpc.WithStatsHandler(cm.StatsHandler())}, nil
	default:
		return nil, fmt.Errorf("unknown front end %q", frontEnd)
	}
}

// dial returns a client connection to addr without transport security,
// with the retry policy of serviceConfig. It connects lazily, on the first
// call.
func dial(addr string, opts []grpc.DialOption) (*grpc.ClientConn, error) {
	all := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(serviceConfig),
	}, opts...)
	conn, err := grpc.NewClient(addr, all...)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return conn, nil
}
