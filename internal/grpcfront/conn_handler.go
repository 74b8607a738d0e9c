package grpcfront

import (
	"context"
	"sync/atomic"

	"google.golang.org/grpc/stats"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// ConnHandler returns a stats handler that records only connections, for
// collectors whose RPCs the interceptors record: interceptors never see
// connections.
func ConnHandler(r *core.Recorder) stats.Handler { return &connHandler{r: r} }

type connHandler struct{ r *core.Recorder }

func (h *connHandler) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }

func (h *connHandler) HandleRPC(context.Context, stats.RPCStats) {}

func (h *connHandler) TagConn(ctx context.Context, info *stats.ConnTagInfo) context.Context {
	return tagConn(h.r, ctx, info)
}

func (h *connHandler) HandleConn(ctx context.Context, s stats.ConnStats) { handleConn(h.r, ctx, s) }

// connState marks what of a connection was recorded, so that it is
// counted up and down exactly once.
type connState struct {
	opened, ended atomic.Bool
}

// connKey keys a connection's state by recorder, so that several
// collectors on one server keep theirs apart.
type connKey struct{ r *core.Recorder }

func tagConn(r *core.Recorder, ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	if !r.ConnectionMetrics() {
		return ctx
	}
	return context.WithValue(ctx, connKey{r}, &connState{})
}

func handleConn(r *core.Recorder, ctx context.Context, s stats.ConnStats) {
	st, _ := ctx.Value(connKey{r}).(*connState)
	if st == nil {
		return
	}
	switch s.(type) {
	case *stats.ConnBegin:
		if !st.opened.Swap(true) {
			r.ConnOpened()
		}
	case *stats.ConnEnd:
		if st.opened.Load() && !st.ended.Swap(true) {
			r.ConnClosed()
		}
	}
}
