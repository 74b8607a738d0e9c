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
	return &statsHandler{r: r, side: r.Side()}
}

// statsHandler is the stats-handler front end over a recorder.
type statsHandler struct {
	r    *core.Recorder
	side core.Side
}

// rpcState is one RPC's state, kept in the context TagRPC returns.
type rpcState struct {
	call       core.Call
	fullMethod string
	begun      bool
	// oneResponse is set for unary and client-streaming RPCs, whose
	// success needs exactly one response message.
	oneResponse bool
	responded   bool
}

func (h *statsHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	// The handler itself is the key, so that several handlers, or a
	// server's and a client's in one call chain, keep their states apart.
	return context.WithValue(ctx, h, &rpcState{fullMethod: info.FullMethodName})
}

func (h *statsHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	st, _ := ctx.Value(h).(*rpcState)
	if st == nil {
		// A server answers a malformed method name without tagging it.
		if _, ok := s.(*stats.OutTrailer); ok && h.side == core.Server {
			h.unknownMethod(ctx)
		}
		return
	}
	switch ev := s.(type) {
	case *stats.Begin:
		typ := core.TypeOf(ev.IsClientStream, ev.IsServerStream)
		st.call = h.r.Begin(ctx, core.Start{FullMethod: st.fullMethod, Type: typ, Labels: metadataSource(h.side)})
		st.begun = true
		st.oneResponse = !ev.IsServerStream
	case *stats.InPayload:
		if st.begun {
			st.call.ReceivedSize(ev.Length)
			st.responded = true
		}
	case *stats.OutPayload:
		if st.begun {
			st.call.SentSize(ev.Length)
		}
	case *stats.End:
		if st.begun {
			st.call.End(h.endCode(st, ev.Error))
		}
	case *stats.OutTrailer:
		// A server that has no handler for a method writes its trailer
		// without ever beginning the RPC.
		if !st.begun && h.side == core.Server {
			h.unknownMethod(ctx)
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
	c := h.r.Begin(ctx, core.Start{Type: core.BidiStream, Unknown: true, Labels: metadataSource(h.side)})
	c.End(codes.Unimplemented)
}

func (h *statsHandler) TagConn(ctx context.Context, info *stats.ConnTagInfo) context.Context {
	return tagConn(h.r, ctx, info)
}

func (h *statsHandler) HandleConn(ctx context.Context, s stats.ConnStats) { handleConn(h.r, ctx, s) }
