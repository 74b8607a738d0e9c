// Package grpcfront is the grpc-go front end over the core recorder: the
// four interceptors and the stats handler. Package grpcprom and the
// compatibility packages install the same code, so they cannot record
// differently.
package grpcfront

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/metadata"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// Hooks are per-installation settings that some front ends offer on each
// interceptor rather than on the collector (go-grpc-middleware's
// providers/prometheus does).
type Hooks struct {
	// Exemplar, when set, replaces the collector's exemplar function.
	Exemplar func(context.Context) prometheus.Labels
	// Labels, when set, supplies extra-label values by name instead of
	// reading metadata.
	Labels func(context.Context) prometheus.Labels
}

// start builds the core's Start for an RPC.
func (h *Hooks) start(ctx context.Context, side core.Side, method string, typ core.RPCType) core.Start {
	st := core.Start{FullMethod: method, Type: typ, Labels: metadataSource(side)}
	if h != nil {
		st.Exemplar = h.Exemplar
		if h.Labels != nil {
			st.Labels = labelMap(h.Labels(ctx))
		}
	}
	return st
}

func metadataSource(side core.Side) core.LabelSource {
	if side == core.Client {
		return outgoing{}
	}
	return incoming{}
}

// incoming and outgoing read the first value of a metadata key; they are
// empty, so passing one does not allocate.
type incoming struct{}

func (incoming) LabelValue(ctx context.Context, key string) string {
	return first(metadata.ValueFromIncomingContext(ctx, key))
}

type outgoing struct{}

func (outgoing) LabelValue(ctx context.Context, key string) string {
	return first(metadata.ValueFromOutgoingContext(ctx, key))
}

// labelMap serves label values from a map a hook returned; names nobody
// declared are ignored.
type labelMap prometheus.Labels

func (m labelMap) LabelValue(_ context.Context, key string) string { return m[key] }

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
