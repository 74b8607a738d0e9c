package scenarios

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
)

// Exercise makes, through the interceptors of s and c and with the fakes
// the scenarios use, one unary RPC and one whole bidi stream on each side,
// each with one message in either direction. It lets a test check that an
// implementation records what the scenarios make it do.
func Exercise(s Server, c Client) error {
	ctx := context.Background()
	req, resp := messages()

	if _, err := s.Unary(ctx, req, unaryInfo, func(context.Context, any) (any, error) { return resp, nil }); err != nil {
		return fmt.Errorf("server unary: %w", err)
	}
	ss := &fakeServerStream{ctx: ctx}
	err := s.Stream(nil, ss, bidiInfo, func(_ any, st grpc.ServerStream) error {
		if err := st.RecvMsg(req); err != nil {
			return err
		}
		return st.SendMsg(resp)
	})
	if err != nil {
		return fmt.Errorf("server stream: %w", err)
	}

	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	if err := c.Unary(ctx, UnaryMethod, req, resp, nil, invoker); err != nil {
		return fmt.Errorf("client unary: %w", err)
	}
	f := &fakeClientStream{ctx: ctx, eofAfter: 1}
	cs, err := c.Stream(ctx, bidiDesc, nil, StreamMethod, f.streamer)
	if err != nil {
		return fmt.Errorf("client stream: %w", err)
	}
	if err := cs.SendMsg(req); err != nil {
		return fmt.Errorf("client stream SendMsg: %w", err)
	}
	if err := cs.CloseSend(); err != nil {
		return fmt.Errorf("client stream CloseSend: %w", err)
	}
	if err := cs.RecvMsg(resp); err != nil {
		return fmt.Errorf("client stream RecvMsg: %w", err)
	}
	if err := cs.RecvMsg(resp); !errors.Is(err, io.EOF) {
		return fmt.Errorf("client stream RecvMsg at the end: %v, want io.EOF", err)
	}
	return nil
}
