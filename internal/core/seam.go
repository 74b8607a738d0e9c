package core

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
)

// This file is the whole of what a front end may call. A front end turns
// its framework's events into these calls and hands over the values the
// core needs (method, type, label values, code); the core never reads
// gRPC metadata or HTTP headers itself.

// LabelSource gives extra-label values by key: a front end implements it
// over gRPC metadata, HTTP headers or a map of labels. Implementations
// should be pointer-shaped or empty, so that passing one does not
// allocate.
type LabelSource interface {
	LabelValue(ctx context.Context, key string) string
}

// Start describes an RPC that begins.
type Start struct {
	FullMethod string
	Type       RPCType
	// Labels supplies the values of extra labels that have a Key; nil
	// gives "".
	Labels LabelSource
	// Exemplar, when set, replaces the recorder's exemplar function for
	// this RPC.
	Exemplar func(context.Context) prometheus.Labels
	// Unknown records the RPC under the catch-all series whatever its
	// name; a server uses it for methods it has no handler for.
	Unknown bool
	// At is when the RPC began, from Since; zero reads the clock. A front
	// end that is handed the time (gRPC's stats events are) passes it.
	At time.Duration
}

// Call is one RPC between Begin and End. It is a value, so that unary
// paths keep it on the stack. Its methods must not be called
// concurrently, except that End may race with nothing: front ends make
// sure End runs exactly once.
type Call struct {
	// h is the stripe of the series the call writes (stripes.go); it
	// knows its series. Four words keep a Call in registers.
	h     *hotCells
	o     *observers
	start time.Duration
	// ex is the RPC's exemplar, nil when there is none.
	ex prometheus.Labels
}

// maxStackLabels is how many extra labels resolve without allocating.
const maxStackLabels = 8

// Begin records the start of an RPC.
func (r *Recorder) Begin(ctx context.Context, st Start) Call {
	var e *methodEntry
	if st.Unknown {
		e = r.cache.unknown(st.Type)
	} else {
		e = r.cache.get(st.FullMethod, st.Type)
	}
	if e.skip {
		return Call{}
	}
	s := e.plain
	if s == nil {
		var buf [maxStackLabels]string
		vals := buf[:0]
		if len(r.extra) > len(buf) {
			vals = make([]string, 0, len(r.extra))
		}
		vals = vals[:len(r.extra)]
		r.extraValues(ctx, st.Labels, vals)
		s = e.withExtra(vals)
	}
	stripe := pickStripe(r.shift)
	c := Call{h: &s.hot[stripe], o: s.obs.Load()}
	c.h.started.Add(1)
	if s.inFlightOn {
		c.h.inFlight.Add(1)
	}
	exemplar := r.exemplar
	if st.Exemplar != nil {
		exemplar = st.Exemplar
	}
	if exemplar != nil {
		c.ex = r.checkExemplar(exemplar(ctx))
	}
	if c.o.timed {
		c.start = st.At
		if c.start == 0 {
			c.start = Monotonic()
		}
	}
	return c
}

// Recording reports whether the RPC is recorded at all: false for
// methods a filter excludes, whose calls record nothing.
func (c *Call) Recording() bool { return c.h != nil }

// Received records a received message.
func (c *Call) Received() {
	if c.h != nil && c.h.recvOn {
		c.h.received.Add(1)
	}
}

// Sent records a sent message.
func (c *Call) Sent() {
	if c.h != nil && c.h.sentOn {
		c.h.sent.Add(1)
	}
}

// ReceivedSize records a received message of n bytes, uncompressed.
func (c *Call) ReceivedSize(n int) {
	c.Received()
	if c.h != nil && c.o.recvSize != nil {
		c.o.recvSize.observe(int(c.h.stripe), int64(n), c.ex)
	}
}

// SentSize records a sent message of n bytes, uncompressed.
func (c *Call) SentSize(n int) {
	c.Sent()
	if c.h != nil && c.o.sentSize != nil {
		c.o.sentSize.observe(int(c.h.stripe), int64(n), c.ex)
	}
}

// RecvTimed and SendTimed report whether the per-call receive and send
// histograms of client streams are on, so that front ends read the clock
// only then.
func (c *Call) RecvTimed() bool { return c.h != nil && c.o.streamRecv != nil }

// SendTimed: see RecvTimed.
func (c *Call) SendTimed() bool { return c.h != nil && c.o.streamSend != nil }

// RecvCall records one receive call on a client stream that started at t0
// (from Monotonic).
func (c *Call) RecvCall(t0 time.Duration) {
	if c.RecvTimed() {
		c.o.streamRecv.observe(int(c.h.stripe), int64(Monotonic()-t0), c.ex)
	}
}

// SendCall records one send call on a client stream that started at t0.
func (c *Call) SendCall(t0 time.Duration) {
	if c.SendTimed() {
		c.o.streamSend.observe(int(c.h.stripe), int64(Monotonic()-t0), c.ex)
	}
}

// End records the completion of the RPC with code. Front ends make sure
// it runs exactly once per Begin.
func (c *Call) End(code codes.Code) { c.EndAt(code, 0) }

// EndAt is End for a front end that is handed the time of the end, from
// Since; zero reads the clock.
func (c *Call) EndAt(code codes.Code, at time.Duration) {
	if c.h == nil {
		return
	}
	cs := c.h.s.forCode(code)
	// OK, the code of most calls, is counted on the call's stripe.
	n := &cs.handled.n
	if code == codes.OK {
		n = &c.h.ok
	}
	n.Add(1)
	if c.ex != nil {
		cs.handled.keep(c.ex)
	}
	if c.h.s.inFlightOn {
		c.h.inFlight.Add(-1)
	}
	if c.o.timed {
		if at == 0 {
			at = Monotonic()
		}
		d := at - c.start
		if cs.handling != nil {
			observe(cs.handling, d.Seconds(), c.ex)
		} else {
			c.o.handling.observe(int(c.h.stripe), int64(d), c.ex)
		}
	}
}

// Panicked ends an RPC whose handler panicked: it is counted in
// grpc_server_panics_total and handled with code Internal, the code a
// recovery interceptor sends. Front ends call it instead of End.
func (c *Call) Panicked() {
	if c.h != nil && c.h.s.panicsOn {
		c.h.s.panicked().n.Add(1)
	}
	c.End(codes.Internal)
}

// ConnOpened records a connection that was accepted or established; a
// no-op without WithConnectionMetrics.
func (r *Recorder) ConnOpened() {
	if r.openConns != nil {
		r.connsTotal.Inc()
		r.openConns.Inc()
	}
}

// ConnClosed records the end of a connection ConnOpened recorded. Front
// ends make sure it runs once per connection.
func (r *Recorder) ConnClosed() {
	if r.openConns != nil {
		r.openConns.Dec()
	}
}

// InitializeMethod creates the series of one method at zero, all codes
// included, even past the method limit.
func (r *Recorder) InitializeMethod(fullMethod string, typ RPCType) {
	r.cache.insert(fullMethod, typ, true).initialize()
}

// Freeze makes every method not known so far record under the catch-all.
// Servers call it after initializing the methods they register.
func (r *Recorder) Freeze() { r.cache.freeze() }

// NoteStatsHandler tells the recorder that a stats handler records into
// it, which brings the metrics only a stats handler fills.
func (r *Recorder) NoteStatsHandler() { r.statsHandlerMade.Store(true) }

// OKWithoutResponse counts one RPC that gRPC ended without error but also
// without the response its type requires.
func (r *Recorder) OKWithoutResponse() {
	if r.okWithoutResponse != nil {
		r.okWithoutResponse.Inc()
	}
}

// clockBase anchors Monotonic.
var clockBase = time.Now()

// Monotonic reads the monotonic clock alone. time.Now also reads the wall
// clock, which costs as much again and is not needed for durations.
func Monotonic() time.Duration { return time.Since(clockBase) }

// Since converts a time a framework handed over into Monotonic's scale
// without reading the clock; the zero time gives 0.
func Since(t time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	return t.Sub(clockBase)
}

// RecorderOf returns the recorder behind a grpcprom.ServerMetrics or
// ClientMetrics, so that front ends in other packages (compat, connectprom)
// can record into collectors users built with grpcprom. grpcprom sets it.
var RecorderOf func(metrics any) *Recorder
