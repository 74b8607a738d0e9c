package grpcprom

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"
)

// StatsHandler returns a gRPC stats handler that records the server's
// metrics: grpc.NewServer(grpc.StatsHandler(sm.StatsHandler())). Install
// it instead of the interceptors, not together with them.
//
// It records the same series as the interceptors, and also RPCs that never
// reach an interceptor: requests over the server's size limit, requests
// that fail to decompress, and calls to unknown methods (which it records
// as grpc_type="bidi_stream", grpc_service="unknown",
// grpc_method="unknown", code Unimplemented). It is the only front end
// that sees message sizes.
func (m *ServerMetrics) StatsHandler() stats.Handler {
	return &statsHandler{r: m.r}
}

// StatsHandler returns a gRPC stats handler that records the client's
// metrics: grpc.NewClient(target, grpc.WithStatsHandler(cm.StatsHandler())).
// Install it instead of the interceptors, not together with them.
//
// gRPC reports each attempt of an RPC to stats handlers, so with retries
// enabled the stats handler counts attempts where the interceptors count
// calls. It is the only front end that sees message sizes, and it counts a
// message as sent only once it is on the wire.
func (m *ClientMetrics) StatsHandler() stats.Handler {
	m.r.statsHandlerMade.Store(true)
	return &statsHandler{r: m.r}
}

// statsHandler is the stats-handler front end over a recorder.
type statsHandler struct {
	r *recorder
}

// rpcState is one RPC's state, kept in the context TagRPC returns.
type rpcState struct {
	rpc
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
		if _, ok := s.(*stats.OutTrailer); ok && h.r.side == serverSide {
			h.unknownMethod(ctx)
		}
		return
	}
	switch ev := s.(type) {
	case *stats.Begin:
		st.rpc = h.r.begin(ctx, st.fullMethod, typeOf(ev.IsClientStream, ev.IsServerStream))
		st.begun = true
		st.oneResponse = !ev.IsServerStream
	case *stats.InPayload:
		if st.begun {
			st.receivedSize(ev.Length)
			st.responded = true
		}
	case *stats.OutPayload:
		if st.begun {
			st.sentSize(ev.Length)
		}
	case *stats.End:
		if st.begun {
			st.end(h.endCode(st, ev.Error))
		}
	case *stats.OutTrailer:
		// A server that has no handler for a method writes its trailer
		// without ever beginning the RPC.
		if !st.begun && h.r.side == serverSide {
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
	if err == nil && h.r.side == clientSide && st.oneResponse && !st.responded {
		h.r.okWithoutResponse.Inc()
		return codes.Unknown
	}
	return codeOf(err)
}

// unknownMethod records an RPC the server rejected as Unimplemented before
// it began.
func (h *statsHandler) unknownMethod(ctx context.Context) {
	c := h.r.beginEntry(ctx, h.r.cache.unknown(typeBidiStream))
	c.end(codes.Unimplemented)
}

func (h *statsHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}

func (h *statsHandler) HandleConn(context.Context, stats.ConnStats) {}
