package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// newServerMetrics returns server metrics with every optional metric
// enabled, that leave the health checks out.
func newServerMetrics() *grpcprom.ServerMetrics {
	return grpcprom.NewServerMetrics(
		grpcprom.WithServerHandlingTimeHistogram(),
		grpcprom.WithInFlightGauge(),
		grpcprom.WithMessageSizeHistogram(),
		grpcprom.WithConnectionMetrics(),
		grpcprom.WithoutHealthChecks(),
	)
}

// serverOptions returns the options that install sm on a gRPC server
// through the given front end, with a recovery interceptor outside
// grpcprom's: the interceptors see a handler's panic go by, count it in
// grpc_server_panics_total and record the RPC as Internal, and the
// recovery interceptor then turns the panic into an Internal error. The
// stats handler cannot see panics; it records the Internal error.
func serverOptions(sm *grpcprom.ServerMetrics, frontEnd string, logger *slog.Logger) ([]grpc.ServerOption, error) {
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(recoverUnary(logger)),
		grpc.ChainStreamInterceptor(recoverStream(logger)),
	}
	switch frontEnd {
	case frontEndInterceptors:
		// With WithConnectionMetrics, ServerOptions adds a stats handler
		// that records connections only.
		return append(opts, sm.ServerOptions()...), nil
	case frontEndStats:
		return append(opts, grpc.StatsHandler(sm.StatsHandler())), nil
	default:
		return nil, fmt.Errorf("unknown front end %q", frontEnd)
	}
}

// newServer returns a gRPC server that serves the Greeter and the standard
// health service, and records the Greeter's metrics in sm, with the series
// of every Greeter method already at zero. The Greeter fails faultRatio of
// all RPCs with Unavailable. Recovered panics are logged to logger.
func newServer(sm *grpcprom.ServerMetrics, frontEnd string, faultRatio float64, logger *slog.Logger) (*grpc.Server, error) {
	opts, err := serverOptions(sm, frontEnd, logger)
	if err != nil {
		return nil, err
	}
	s := grpc.NewServer(opts...)
	pb.RegisterGreeterServer(s, greeter{faultRatio: faultRatio})
	// The health server answers SERVING for the whole server ("") from
	// the start; WithoutHealthChecks keeps its calls out of the metrics.
	healthpb.RegisterHealthServer(s, health.NewServer())
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
//	panic     a panic, which the recovery interceptor turns into Internal
//
// In SayHelloUnaryStream, the name "conflict" makes the first attempt of
// the call fail with Aborted, as a write that lost a race with another
// would; the client's retry policy retries it, and the retry succeeds.
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
	case "panic":
		panic("the greeter was asked to panic")
	case "slow":
		d := 50*time.Millisecond + rand.N(100*time.Millisecond)
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	return &pb.HelloReply{Message: "Hello " + name}, nil
}

// errConflict is the error of the first attempt of a call that asks for a
// conflict.
var errConflict = status.Error(codes.Aborted, "conflict with a concurrent greeting; retry")

func (g greeter) SayHelloUnaryStream(req *pb.HelloRequest, stream grpc.ServerStreamingServer[pb.HelloReply]) error {
	if g.fault() {
		return errInjected
	}
	if req.GetName() == "conflict" && firstAttempt(stream.Context()) {
		return errConflict
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

// firstAttempt reports whether the RPC of ctx is the first attempt of its
// call: gRPC clients mark each retry with the number of earlier attempts in
// the grpc-previous-rpc-attempts header.
func firstAttempt(ctx context.Context) bool {
	md, _ := metadata.FromIncomingContext(ctx)
	return len(md.Get("grpc-previous-rpc-attempts")) == 0
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
