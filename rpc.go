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
}

// begin records the start of an RPC.
func (r *recorder) begin(_ context.Context, fullMethod string, typ rpcType) rpc {
	return r.beginSeries(r.cache.get(fullMethod, typ))
}

func (r *recorder) beginSeries(s *series) rpc {
	s.started.Inc()
	if s.inFlight != nil {
		s.inFlight.Inc()
	}
	c := rpc{s: s}
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
		c.s.recvSize.Observe(float64(n))
	}
}

// sentSize records a sent message together with its size.
func (c *rpc) sentSize(n int) {
	c.s.msgSent.Inc()
	if c.s.sentSize != nil {
		c.s.sentSize.Observe(float64(n))
	}
}

// end records the completion of an RPC with code. Callers make sure it
// runs exactly once per begin.
func (c *rpc) end(code codes.Code) {
	cs := c.s.forCode(code)
	cs.handled.Inc()
	if c.s.inFlight != nil {
		c.s.inFlight.Dec()
	}
	if c.s.r.timed {
		h := c.s.handling
		if cs.handling != nil {
			h = cs.handling
		}
		h.Observe((monotonic() - c.start).Seconds())
	}
}

// observeSince records on h, if enabled, the time since t0.
func observeSince(h prometheus.Observer, t0 time.Duration) {
	if h != nil {
		h.Observe((monotonic() - t0).Seconds())
	}
}

// clockBase anchors monotonic.
var clockBase = time.Now()

// monotonic reads the monotonic clock alone. time.Now also reads the wall
// clock, which costs as much again and is not needed for durations.
func monotonic() time.Duration { return time.Since(clockBase) }
