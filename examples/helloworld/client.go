package main

import (
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/seed-db7adb15/grpcprom"
)

// newClientMetrics returns client metrics with every optional metric
// enabled.
func newClientMetrics() *grpcprom.ClientMetrics {
	return grpcprom.NewClientMetrics(
		grpcprom.WithClientHandlingTimeHistogram(),
		grpcprom.WithClientStreamRecvHistogram(),
		grpcprom.WithClientStreamSendHistogram(),
		grpcprom.WithInFlightGauge(),
		grpcprom.WithMessageSizeHistogram(),
	)
}

// clientOptions returns the options that install cm on a gRPC client
// connection through the given front end.
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

// dial returns a client connection to addr without transport security.
// It connects lazily, on the first call.
func dial(addr string, opts []grpc.DialOption) (*grpc.ClientConn, error) {
	all := append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	conn, err := grpc.NewClient(addr, all...)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return conn, nil
}
