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
// The Greeter fails faultRatio of all RPCs with Unavailable.
func newServer(sm *grpcprom.ServerMetrics, frontEnd string, faultRatio float64) (*grpc.Server, error) {
	opts, err := serverOptions(sm, frontEnd)
	if err != nil {
		return nil, err
	}
	s := grpc.NewServer(opts...)
	pb.RegisterGreeterServer(s, greeter{faultRatio: faultRatio})
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
//	slow      an answer after 50 to 150 ms, under the latency SLO's 250 ms
//
// Besides, it fails faultRatio of all RPCs, of every type, with
// Unavailable: a server error that burns the availability SLO's budget.
type greeter struct {
	pb.UnimplementedGreeterServer
	faultRatio float64
}

// errInjected is the error of the RPCs that -fault-ratio fails.
var errInjected = status.Error(codes.Unavailable, "fault injected by -fault-ratio")

// fault reports whether to fail the current RPC with errInjected.
func (g greeter) fault() bool {
	return g.faultRatio > 0 && rand.Float64() < g.faultRatio
}

func (g greeter) SayHello(ctx context.Context, req *pb.HelloRequest) (*pb.HelloReply, error) {
	if g.fault() {
		return nil, errInjected
	}
	name := req.GetName()
	switch name {
	case "error":
		return nil, status.Error(codes.InvalidArgument, `the name "error" is not accepted`)
	case "notfound":
		return nil, fmt.Errorf("lookup: %w", status.Error(codes.NotFound, "no greeting for this name"))
	case "internal":
		return nil, errors.New("the greeting machine broke")
	case "slow":
		d := 50*time.Millisecond + rand.N(100*time.Millisecond)
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	return &pb.HelloReply{Message: "Hello " + name}, nil
}

func (g greeter) SayHelloUnaryStream(req *pb.HelloRequest, stream grpc.ServerStreamingServer[pb.HelloReply]) error {
	if g.fault() {
		return errInjected
	}
	n := 3 + rand.IntN(3)
	for i := range n {
		msg := fmt.Sprintf("Hello %s (%d of %d)", req.GetName(), i+1, n)
		if err := stream.Send(&pb.HelloReply{Message: msg}); err != nil {
			return fmt.Errorf("send reply %d: %w", i+1, err)
		}
	}
	return nil
}

func (g greeter) SayHelloStreamUnary(stream grpc.ClientStreamingServer[pb.HelloRequest, pb.HelloReply]) error {
	if g.fault() {
		return errInjected
	}
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

func (g greeter) SayHelloBidiStream(stream grpc.BidiStreamingServer[pb.HelloRequest, pb.HelloReply]) error {
	if g.fault() {
		return errInjected
	}
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
