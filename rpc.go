package grpcprom

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
)

// rpc is the state of one RPC between begin and end. It is a value, so
// that the unary paths keep it on the stack.
type rpc struct {
	s     *series
	start time.Duration
	// ex is the RPC's exemplar, nil when there is none.
	ex prometheus.Labels
}

// maxStackLabels is how many extra labels resolve without allocating.
const maxStackLabels = 8

// begin records the start of an RPC.
func (r *recorder) begin(ctx context.Context, fullMethod string, typ rpcType) rpc {
	return r.beginEntry(ctx, r.cache.get(fullMethod, typ))
}

func (r *recorder) beginEntry(ctx context.Context, e *methodEntry) rpc {
	s := e.plain
	if s == nil {
		var buf [maxStackLabels]string
		vals := buf[:0]
		if len(r.extra) > len(buf) {
			vals = make([]string, 0, len(r.extra))
		}
		vals = vals[:len(r.extra)]
		r.extraValues(ctx, vals)
		s = e.withExtra(vals)
	}
	s.started.Inc()
	if s.inFlight != nil {
		s.inFlight.Inc()
	}
	c := rpc{s: s}
	if r.exemplar != nil {
		c.ex = r.checkExemplar(r.exemplar(ctx))
	}
	if r.timed {
		c.start = monotonic()
	}
	return c
}

func (c *rpc) received() { c.s.msgReceived.Inc() }

func (c *rpc) sent() { c.s.msgSent.Inc() }

// receivedSize records a received message together with its size.
func (c *rpc) receivedSize(n int) {
	c.s.msgReceived.Inc()
	if c.s.recvSize != nil {
		observe(c.s.recvSize, float64(n), c.ex)
	}
}

// sentSize records a sent message together with its size.
func (c *rpc) sentSize(n int) {
	c.s.msgSent.Inc()
	if c.s.sentSize != nil {
		observe(c.s.sentSize, float64(n), c.ex)
	}
}

// end records the completion of an RPC with code. Callers make sure it
// runs exactly once per begin.
func (c *rpc) end(code codes.Code) {
	cs := c.s.forCode(code)
	if c.ex != nil {
		cs.handled.(prometheus.ExemplarAdder).AddWithExemplar(1, c.ex)
	} else {
		cs.handled.Inc()
	}
	if c.s.inFlight != nil {
		c.s.inFlight.Dec()
	}
	if c.s.r.timed {
		h := c.s.handling
		if cs.handling != nil {
			h = cs.handling
		}
		observe(h, (monotonic() - c.start).Seconds(), c.ex)
	}
}

// observeSince records on h, if enabled, the time since t0.
func (c *rpc) observeSince(h prometheus.Observer, t0 time.Duration) {
	if h != nil {
		observe(h, (monotonic() - t0).Seconds(), c.ex)
	}
}

// observe records v on h, with the exemplar ex unless it is nil.
func observe(h prometheus.Observer, v float64, ex prometheus.Labels) {
	if ex != nil {
		h.(prometheus.ExemplarObserver).ObserveWithExemplar(v, ex)
		return
	}
	h.Observe(v)
}

// clockBase anchors monotonic.
var clockBase = time.Now()

// monotonic reads the monotonic clock alone. time.Now also reads the wall
// clock, which costs as much again and is not needed for durations.
func monotonic() time.Duration { return time.Since(clockBase) }
