package connectprom_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
)

// The test service exists twice, once for connect-go and once for
// grpc-go, with the same behaviour selected by the request name:
//
//	ok (or anything else)  answer
//	notfound  a NotFound error wrapped in another error
//	invalid   InvalidArgument
//	plain     a plain error (Unknown)
//	canceled  a bare context.Canceled; deadline: a wrapped context.DeadlineExceeded
//	expire    wait until the RPC's context ends, then fail DeadlineExceeded
//	          (whichever of the client's deadline and its reset reaches the server first)
//	block     wait until the RPC's context ends and return its error
//	panic     panic
//	fail      FailedPrecondition
//	N (digits) on SayHelloUnaryStream: send N replies
//	hang      on SayHelloUnaryStream: send one reply, then block
func behave(ctx context.Context, name string, mk func(codes.Code, string) error) error {
	switch name {
	case "notfound":
		return fmt.Errorf("looking up: %w", mk(codes.NotFound, "no such greeting"))
	case "invalid":
		return mk(codes.InvalidArgument, "bad name")
	case "plain":
		return errors.New("plain failure")
	case "canceled":
		return context.Canceled
	case "deadline":
		return fmt.Errorf("backend: %w", context.DeadlineExceeded)
	case "expire":
		<-ctx.Done()
		return mk(codes.DeadlineExceeded, "too late")
	case "block", "hang":
		<-ctx.Done()
		return ctx.Err()
	case "panic":
		panic("handler panic")
	case "fail":
		return mk(codes.FailedPrecondition, "failing on purpose")
	}
	return nil
}

func connectErr(c codes.Code, msg string) error {
	return connect.NewError(connect.Code(c), errors.New(msg))
}

func grpcErr(c codes.Code, msg string) error { return status.Error(c, msg) }

// replies is how many replies a server stream sends for name.
func replies(name string) (int, bool) {
	n, err := strconv.Atoi(name)
	if err != nil {
		return 1, false
	}
	return n, true
}

// connectGreeter is the connect-go implementation.
type connectGreeter struct{}

func (connectGreeter) SayHello(ctx context.Context, req *connect.Request[pb.HelloRequest]) (*connect.Response[pb.HelloReply], error) {
	if err := behave(ctx, req.Msg.GetName(), connectErr); err != nil {
		return nil, err
	}
	return connect.NewResponse(&pb.HelloReply{Message: "hello " + req.Msg.GetName()}), nil
}

func (connectGreeter) SayHelloUnaryStream(ctx context.Context, req *connect.Request[pb.HelloRequest], s *connect.ServerStream[pb.HelloReply]) error {
	n, numeric := replies(req.Msg.GetName())
	for i := 0; i < n; i++ {
		if err := s.Send(&pb.HelloReply{Message: strconv.Itoa(i)}); err != nil {
			return err
		}
	}
	if numeric {
		return nil
	}
	return behave(ctx, req.Msg.GetName(), connectErr)
}

func (connectGreeter) SayHelloStreamUnary(ctx context.Context, s *connect.ClientStream[pb.HelloRequest]) (*connect.Response[pb.HelloReply], error) {
	count := 0
	for s.Receive() {
		count++
		if err := behave(ctx, s.Msg().GetName(), connectErr); err != nil {
			return nil, err
		}
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	return connect.NewResponse(&pb.HelloReply{Message: strconv.Itoa(count)}), nil
}

func (connectGreeter) SayHelloBidiStream(ctx context.Context, s *connect.BidiStream[pb.HelloRequest, pb.HelloReply]) error {
	for {
		in, err := s.Receive()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if in.GetName() == "fail" {
			return behave(ctx, "fail", connectErr)
		}
		if err := s.Send(&pb.HelloReply{Message: in.GetName()}); err != nil {
			return err
		}
		if err := behave(ctx, in.GetName(), connectErr); err != nil {
			return err
		}
	}
}

// grpcGreeter is the grpc-go implementation.
type grpcGreeter struct {
	pb.UnimplementedGreeterServer
}

func (grpcGreeter) SayHello(ctx context.Context, in *pb.HelloRequest) (*pb.HelloReply, error) {
	if err := behave(ctx, in.GetName(), grpcErr); err != nil {
		return nil, err
	}
	return &pb.HelloReply{Message: "hello " + in.GetName()}, nil
}

func (grpcGreeter) SayHelloUnaryStream(in *pb.HelloRequest, s grpc.ServerStreamingServer[pb.HelloReply]) error {
	n, numeric := replies(in.GetName())
	for i := 0; i < n; i++ {
		if err := s.Send(&pb.HelloReply{Message: strconv.Itoa(i)}); err != nil {
			return err
		}
	}
	if numeric {
		return nil
	}
	return behave(s.Context(), in.GetName(), grpcErr)
}

func (grpcGreeter) SayHelloStreamUnary(s grpc.ClientStreamingServer[pb.HelloRequest, pb.HelloReply]) error {
	count := 0
	for {
		in, err := s.Recv()
		if err == io.EOF {
			return s.SendAndClose(&pb.HelloReply{Message: strconv.Itoa(count)})
		}
		if err != nil {
			return err
		}
		count++
		if err := behave(s.Context(), in.GetName(), grpcErr); err != nil {
			return err
		}
	}
}

func (grpcGreeter) SayHelloBidiStream(s grpc.BidiStreamingServer[pb.HelloRequest, pb.HelloReply]) error {
	for {
		in, err := s.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if in.GetName() == "fail" {
			return behave(s.Context(), "fail", grpcErr)
		}
		if err := s.Send(&pb.HelloReply{Message: in.GetName()}); err != nil {
			return err
		}
		if err := behave(s.Context(), in.GetName(), grpcErr); err != nil {
			return err
		}
	}
}
