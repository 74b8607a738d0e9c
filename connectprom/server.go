package connectprom

import (
	"context"

	"connectrpc.com/connect"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// serverInterceptor records handler RPCs into a server recorder.
type serverInterceptor struct {
	r *core.Recorder
}

// WrapUnary records a unary RPC as grpcfront.UnaryServer does: the
// request counts as received when the handler starts, the response as
// sent when it succeeds.
func (i *serverInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		spec := req.Spec()
		if spec.IsClient {
			return next(ctx, req)
		}
		c := i.r.Begin(ctx, core.Start{FullMethod: spec.Procedure, Type: core.Unary, Labels: headerSource(req.Header())})
		c.Received()
		returned := false
		defer func() {
			if !returned {
				c.Panicked()
			}
		}()
		resp, err := next(ctx, req)
		returned = true
		if err == nil {
			c.Sent()
		}
		c.End(codeOf(err))
		return resp, err
	}
}

// WrapStreamingClient leaves client streams alone.
func (i *serverInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler records a streaming RPC and every message it
// receives and sends. The RPC ends when the handler returns: connect sends
// the response of a client stream through the wrapped connection before
// that.
func (i *serverInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		spec := conn.Spec()
		w := &handlerConn{StreamingHandlerConn: conn}
		w.call = i.r.Begin(ctx, core.Start{FullMethod: spec.Procedure, Type: typeOf(spec.StreamType), Labels: headerSource(conn.RequestHeader())})
		returned := false
		defer func() {
			if !returned {
				w.call.Panicked()
			}
		}()
		err := next(ctx, w)
		returned = true
		w.call.End(codeOf(err))
		return err
	}
}

// handlerConn counts the messages of a handler's stream. connect reads the
// request of a server stream with two Receive calls, the message and the
// end of the stream; only the message counts.
type handlerConn struct {
	connect.StreamingHandlerConn
	call core.Call
}

func (c *handlerConn) Receive(m any) error {
	err := c.StreamingHandlerConn.Receive(m)
	if err == nil {
		c.call.Received()
	}
	return err
}

func (c *handlerConn) Send(m any) error {
	err := c.StreamingHandlerConn.Send(m)
	if err == nil {
		c.call.Sent()
	}
	return err
}
