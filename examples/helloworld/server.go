package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// newServerMetrics returns server metrics with every optional metric
// enabled.
func newServerMetrics() *grpcprom.ServerMetrics {
	return grpcprom.NewServerMetrics(
		grpcprom.WithServerHandlingTimeHistogram(),
		grpcprom.WithInFlightGauge(),
		grpcprom.WithMessageSizeHistogram(),
	)
}

// serverOptions returns the options that install sm on a gRPC server
// through the given front end.
func serverOptions(sm *grpcprom.ServerMetrics, frontEnd string) ([]grpc.ServerOption, error) {
	switch frontEnd {
	case frontEndInterceptors:
		return sm.ServerOptions(), nil
	case frontEndStats:
		return []grpc.ServerOption{grpc.StatsHandler(sm.StatsHandler())}, nil
	default:
		return nil, fmt.Errorf("unknown front end %q", frontEnd)
	}
}

// newServer returns a gRPC server that serves the Greeter and records its
// metrics in sm, with the series of every Greeter method already at zero.
func newServer(sm *grpcprom.ServerMetrics, frontEnd string) (*grpc.Server, error) {
	opts, err := serverOptions(sm, frontEnd)
	if err != nil {
		return nil, err
	}
	s := grpc.NewServer(opts...)
	pb.RegisterGreeterServer(s, greeter{})
	sm.InitializeMetrics(s)
	return s, nil
}

// greeter implements the Greeter service. Some names in SayHello make it
// fail or take its time, so that the metrics have errors and latencies to
// show:
//
//	error     InvalidArgument
//	notfound  NotFound, as a wrapped status error
//	internal  a plain error, which gRPC sends as Unknown
//	slow      an answer after 300 to 800 ms
type greeter struct {
	pb.UnimplementedGreeterServer
}

func (greeter) SayHello(ctx context.Context, req *pb.HelloRequest) (*pb.HelloReply, error) {
	name := req.GetName()
	switch name {
	case "error":
		return nil, status.Error(codes.InvalidArgument, `the name "error" is not accepted`)
	case "notfound":
		return nil, fmt.Errorf("lookup: %w", status.Error(codes.NotFound, "no greeting for this name"))
	case "internal":
		return nil, errors.New("the greeting machine broke")
	case "slow":
		d := 300*time.Millisecond + rand.N(500*time.Millisecond)
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	return &pb.HelloReply{Message: "Hello " + name}, nil
}

func (greeter) SayHelloUnaryStream(req *pb.HelloRequest, stream grpc.ServerStreamingServer[pb.HelloReply]) error {
	n := 3 + rand.IntN(3)
	for i := range n {
		msg := fmt.Sprintf("Hello %s (%d of %d)", req.GetName(), i+1, n)
		if err := stream.Send(&pb.HelloReply{Message: msg}); err != nil {
			return fmt.Errorf("send reply %d: %w", i+1, err)
		}
	}
	return nil
}

func (greeter) SayHelloStreamUnary(stream grpc.ClientStreamingServer[pb.HelloRequest, pb.HelloReply]) error {
	count := 0
	for {
		_, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&pb.HelloReply{Message: fmt.Sprintf("Hello to all %d of you", count)})
		}
		if err != nil {
			return fmt.Errorf("receive request %d: %w", count+1, err)
		}
		count++
	}
}

func (greeter) SayHelloBidiStream(stream grpc.BidiStreamingServer[pb.HelloRequest, pb.HelloReply]) error {
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("receive request: %w", err)
		}
		if err := stream.Send(&pb.HelloReply{Message: "Hello " + req.GetName()}); err != nil {
			return fmt.Errorf("send reply: %w", err)
		}
	}
}

// sleep waits for d or until ctx ends, in which case it returns the status
// error that matches the context's error.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
}
