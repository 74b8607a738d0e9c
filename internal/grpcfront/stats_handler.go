package grpcfront

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// StatsHandler returns a stats handler that records into r.
func StatsHandler(r *core.Recorder) stats.Handler {
	r.NoteStatsHandler()
	return &statsHandler{r: r, side: r.Side(), labels: metadataSource(r.Side())}
}

// statsHandler is the stats-handler front end over a recorder.
type statsHandler struct {
	r      *core.Recorder
	side   core.Side
	labels core.LabelSource
}

// rpcState is one RPC's state, carried by the context TagRPC returns.
type rpcState struct {
	call       core.Call
	fullMethod string
	begun      bool
	// oneResponse is set for unary and client-streaming RPCs, whose
	// success needs exactly one response message.
	oneResponse bool
	responded   bool
}

// rpcContext is the context TagRPC returns: the RPC's state and the
// context in one allocation, where context.WithValue and a state would
// take two.
type rpcContext struct {
	context.Context
	h  *statsHandler
	st rpcState
}

// Value answers the handler itself with the state, so that several
// handlers, or a server's and a client's in one call chain, keep their
// states apart.
func (c *rpcContext) Value(key any) any {
	if h, ok := key.(*statsHandler); ok && h == c.h {
		return &c.st
	}
	return c.Context.Value(key)
}

func (h *statsHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	return &rpcContext{Context: ctx, h: h, st: rpcState{fullMethod: info.FullMethodName}}
}

// state returns the RPC's state, or nil for an RPC this handler did not
// tag.
func (h *statsHandler) state(ctx context.Context) *rpcState {
	if c, ok := ctx.(*rpcContext); ok && c.h == h {
		return &c.st
	}
	st, _ := ctx.Value(h).(*rpcState)
	return st
}

func (h *statsHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	// Events that record nothing return before any lookup.
	switch ev := s.(type) {
	case *stats.Begin:
		if st := h.state(ctx); st != nil {
			typ := core.TypeOf(ev.IsClientStream, ev.IsServerStream)
			st.call = h.r.Begin(ctx, core.Start{FullMethod: st.fullMethod, Type: typ, Labels: h.labels, At: core.Since(ev.BeginTime)})
			st.begun = true
			st.oneResponse = !ev.IsServerStream
		}
	case *stats.InPayload:
		if st := h.state(ctx); st != nil && st.begun {
			st.call.ReceivedSize(ev.Length)
			st.responded = true
		}
	case *stats.OutPayload:
		if st := h.state(ctx); st != nil && st.begun {
			st.call.SentSize(ev.Length)
		}
	case *stats.End:
		if st := h.state(ctx); st != nil && st.begun {
			st.call.EndAt(h.endCode(st, ev.Error), core.Since(ev.EndTime))
		}
	case *stats.OutTrailer:
		// A server that has no handler for a method writes its trailer
		// without beginning the RPC; a malformed name is not even tagged.
		if h.side == core.Server {
			if st := h.state(ctx); st == nil || !st.begun {
				h.unknownMethod(ctx)
			}
		}
	}
}

// endCode is the code an RPC that ended with err is recorded with. gRPC
// (v1.85) can end a client attempt with a nil error although the caller
// got a failure: when SendMsg finds the stream already ended, the attempt
// finishes with io.EOF, which reads as success. A unary or
// client-streaming RPC cannot succeed without its response, so such an
// end is recorded as Unknown and counted in
// grpcprom_client_ok_without_response_total.
func (h *statsHandler) endCode(st *rpcState, err error) codes.Code {
	if err == nil && h.side == core.Client && st.oneResponse && !st.responded {
		h.r.OKWithoutResponse()
		return codes.Unknown
	}
	return core.CodeOf(err)
}

// unknownMethod records an RPC the server rejected as Unimplemented before
// it began.
func (h *statsHandler) unknownMethod(ctx context.Context) {
	c := h.r.Begin(ctx, core.Start{Type: core.BidiStream, Unknown: true, Labels: h.labels})
	c.End(codes.Unimplemented)
}

func (h *statsHandler) TagConn(ctx context.Context, info *stats.ConnTagInfo) context.Context {
	return tagConn(h.r, ctx, info)
}

func (h *statsHandler) HandleConn(ctx context.Context, s stats.ConnStats) { handleConn(h.r, ctx, s) }
