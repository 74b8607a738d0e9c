package connectprom

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc/codes"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// clientInterceptor records client RPCs into a client recorder.
type clientInterceptor struct {
	r *core.Recorder
}

// WrapUnary records a unary call as grpcfront.UnaryClient does: the
// request counts as sent once the call is made, the response as received
// when the call succeeds.
func (i *clientInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		spec := req.Spec()
		if !spec.IsClient {
			return next(ctx, req)
		}
		c := i.r.Begin(ctx, core.Start{FullMethod: spec.Procedure, Type: core.Unary, Labels: headerSource(req.Header())})
		returned := false
		defer func() {
			if !returned {
				c.End(codes.Internal)
			}
		}()
		resp, err := next(ctx, req)
		returned = true
		c.Sent()
		if err == nil {
			c.Received()
		}
		c.End(codeOf(err))
		return resp, err
	}
}

// WrapStreamingClient records a streaming call and every message it sends
// and receives.
func (i *clientInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		return &clientConn{StreamingClientConn: next(ctx, spec), r: i.r, ctx: ctx, spec: spec, typ: typeOf(spec.StreamType)}
	}
}

// WrapStreamingHandler leaves handlers alone.
func (i *clientInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// clientConn records one client stream.
//
// The RPC begins at the first Send, CloseRequest or Receive: connect makes
// the HTTP request then, and the caller has set the request headers that
// extra labels read by then (connect adds a request's headers only after
// the interceptor has made the connection).
//
// It ends exactly once, at the first of: Receive returns the end of the
// stream or an error; Send or CloseRequest fails other than with io.EOF
// (io.EOF means the server ended the stream, and its status comes through
// Receive); the context ends; or CloseResponse comes first. connect does
// not reset a stream whose context ends until the caller reads or closes
// it again, so a context.AfterFunc records the end at once.
type clientConn struct {
	connect.StreamingClientConn
	r    *core.Recorder
	ctx  context.Context
	spec connect.Spec
	typ  core.RPCType

	once     sync.Once
	begun    atomic.Bool
	call     core.Call
	stop     func() bool // stops watching the context; set by begin
	finished atomic.Bool

	// For client streams: the response has arrived, and when the
	// Receive call that returned it started (see Receive).
	received atomic.Bool
	recvT0   time.Duration
}

func (c *clientConn) begin() {
	c.once.Do(func() {
		c.call = c.r.Begin(c.ctx, core.Start{FullMethod: c.spec.Procedure, Type: c.typ, Labels: headerSource(c.StreamingClientConn.RequestHeader())})
		if c.ctx.Done() != nil {
			c.stop = context.AfterFunc(c.ctx, func() { c.end(ctxCode(c.ctx)) })
		}
		c.begun.Store(true)
	})
}

// end records the end of the RPC unless it has ended already.
func (c *clientConn) end(code codes.Code) {
	if !c.finished.Swap(true) {
		c.call.End(code)
	}
}

// finish is end from one of the caller's calls, which also stops watching
// the context. Those calls come after begin, which set stop.
func (c *clientConn) finish(code codes.Code) {
	c.end(code)
	if c.stop != nil {
		c.stop()
	}
}

func (c *clientConn) Send(m any) error {
	c.begin()
	var t0 time.Duration
	timed := c.call.SendTimed()
	if timed {
		t0 = core.Monotonic()
	}
	err := c.StreamingClientConn.Send(m)
	if timed {
		c.call.SendCall(t0)
	}
	switch {
	case err == nil:
		c.call.Sent()
	case !errors.Is(err, io.EOF):
		c.finish(codeOf(err))
	}
	return err
}

func (c *clientConn) CloseRequest() error {
	c.begin()
	err := c.StreamingClientConn.CloseRequest()
	if err != nil && !errors.Is(err, io.EOF) {
		c.finish(codeOf(err))
	}
	return err
}

// Receive counts a received message and ends the RPC at the end of the
// stream or an error.
//
// A client stream's CloseAndReceive calls Receive twice: once for the
// response, once to make sure the stream ends there. grpc-go reads both
// in one RecvMsg call, so the two make one observation of the per-call
// receive histogram, from the start of the first call to the end of the
// second, and the RPC ends with the second: the status follows the
// response.
func (c *clientConn) Receive(m any) error {
	c.begin()
	var t0 time.Duration
	timed := c.call.RecvTimed()
	if timed {
		t0 = core.Monotonic()
	}
	err := c.StreamingClientConn.Receive(m)
	if c.typ == core.ClientStream {
		c.receiveUnary(err, timed, t0)
		return err
	}
	if timed {
		c.call.RecvCall(t0)
	}
	switch {
	case err == nil:
		c.call.Received()
	case errors.Is(err, io.EOF):
		c.finish(codes.OK)
	default:
		c.finish(codeOf(err))
	}
	return err
}

// receiveUnary handles the Receive calls of a client stream.
func (c *clientConn) receiveUnary(err error, timed bool, t0 time.Duration) {
	first := !c.received.Load()
	if err == nil && first {
		c.received.Store(true)
		c.call.Received()
		c.recvT0 = t0
		return
	}
	if timed {
		if !first {
			t0 = c.recvT0
		}
		c.call.RecvCall(t0)
	}
	switch {
	case err == nil:
		// A second response: connect fails the call as Unimplemented.
		c.call.Received()
		c.finish(codes.Unimplemented)
	case errors.Is(err, io.EOF) && first:
		// No response at all: connect fails the call as Unimplemented.
		c.finish(codes.Unimplemented)
	case errors.Is(err, io.EOF):
		c.finish(codes.OK)
	default:
		c.finish(codeOf(err))
	}
}

// CloseResponse ends an RPC that has not ended yet: the caller abandons
// the stream, and connect resets it, which the server sees as Canceled. A
// client stream that has its response but was closed before its end was
// read ends OK.
func (c *clientConn) CloseResponse() error {
	// A stream never used made no request: there is no RPC to record.
	if c.begun.Load() && !c.finished.Load() {
		if c.typ == core.ClientStream && c.received.Load() {
			if c.call.RecvTimed() {
				c.call.RecvCall(c.recvT0)
			}
			c.finish(codes.OK)
		} else {
			c.finish(codes.Canceled)
		}
	}
	return c.StreamingClientConn.CloseResponse()
}
