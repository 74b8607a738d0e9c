package main

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"connectrpc.com/connect"

	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
)

// greeter answers by name: "notfound" and "error" fail, "slow" takes a
// while, "wait" waits for the caller's deadline, "panic" panics; a number
// asks a server stream for that many replies.
type greeter struct{}

func answer(ctx context.Context, name string) error {
	switch name {
	case "notfound":
		return connect.NewError(connect.CodeNotFound, errors.New("no such greeting"))
	case "error":
		return errors.New("something failed")
	case "panic":
		panic("greeter panic")
	case "slow":
		select {
		case <-time.After(300 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	case "wait":
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (greeter) SayHello(ctx context.Context, req *connect.Request[pb.HelloRequest]) (*connect.Response[pb.HelloReply], error) {
	if err := answer(ctx, req.Msg.GetName()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&pb.HelloReply{Message: "hello " + req.Msg.GetName()}), nil
}

func (greeter) SayHelloUnaryStream(ctx context.Context, req *connect.Request[pb.HelloRequest], s *connect.ServerStream[pb.HelloReply]) error {
	n, err := strconv.Atoi(req.Msg.GetName())
	if err != nil {
		return answer(ctx, req.Msg.GetName())
	}
	for i := 0; i < n; i++ {
		if err := s.Send(&pb.HelloReply{Message: strconv.Itoa(i)}); err != nil {
			return err
		}
	}
	return nil
}

func (greeter) SayHelloStreamUnary(ctx context.Context, s *connect.ClientStream[pb.HelloRequest]) (*connect.Response[pb.HelloReply], error) {
	n := 0
	for s.Receive() {
		n++
		if err := answer(ctx, s.Msg().GetName()); err != nil {
			return nil, err
		}
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	return connect.NewResponse(&pb.HelloReply{Message: strconv.Itoa(n)}), nil
}

func (greeter) SayHelloBidiStream(ctx context.Context, s *connect.BidiStream[pb.HelloRequest, pb.HelloReply]) error {
	for {
		in, err := s.Receive()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := answer(ctx, in.GetName()); err != nil {
			return err
		}
		if err := s.Send(&pb.HelloReply{Message: in.GetName()}); err != nil {
			return err
		}
	}
}
