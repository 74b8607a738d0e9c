package grpcprom_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// rig is one front end's metrics, with every histogram and the in-flight
// gauges on, ready to be installed on any number of servers and clients.
type rig struct {
	fe  frontEnd
	reg *prometheus.Registry
	so  []grpc.ServerOption
	do  []grpc.DialOption
}

func newRig(t testing.TB, fe frontEnd, opts ...grpcprom.ServerOption) *rig {
	t.Helper()
	sm := grpcprom.NewServerMetrics(append([]grpcprom.ServerOption{grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithInFlightGauge()}, opts...)...)
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(), grpcprom.WithInFlightGauge())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sm, cm)
	so, do := fe.install(sm, cm)
	return &rig{fe: fe, reg: reg, so: so, do: do}
}

// listen opens a loopback listener.
func listen(t testing.TB) net.Listener {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return lis
}

// serve starts a server with impl (greeter{} when nil) on lis. extra
// options come first, so that an interceptor among them sits outside
// grpcprom's.
func (r *rig) serve(t testing.TB, lis net.Listener, impl pb.GreeterServer, extra ...grpc.ServerOption) *grpc.Server {
	t.Helper()
	if impl == nil {
		impl = greeter{}
	}
	srv := grpc.NewServer(append(append([]grpc.ServerOption(nil), extra...), r.so...)...)
	pb.RegisterGreeterServer(srv, impl)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return srv
}

// dial connects to addr through the rig's client front end.
func (r *rig) dial(t testing.TB, addr string, extra ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	opts := append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, r.do...)
	conn, err := grpc.NewClient(addr, append(opts, extra...)...)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// start is serve and dial on a fresh loopback address.
func (r *rig) start(t testing.TB, impl pb.GreeterServer, so []grpc.ServerOption, do ...grpc.DialOption) *env {
	t.Helper()
	lis := listen(t)
	srv := r.serve(t, lis, impl, so...)
	conn := r.dial(t, lis.Addr().String(), do...)
	return &env{srv: srv, conn: conn, client: pb.NewGreeterClient(conn), addr: lis.Addr().String()}
}

// rpcKey names one method's series on one side, without the code.
type rpcKey struct{ side, typ, service, method string }

func (k rpcKey) String() string {
	return fmt.Sprintf("%s %s /%s/%s", k.side, k.typ, k.service, k.method)
}

// tally is what one method's series say on one side.
type tally struct {
	started, handled, histCount, inFlight float64
	codes                                 map[string]float64
}

// tallies gathers reg and groups it by side and method.
func tallies(t testing.TB, reg prometheus.Gatherer) map[rpcKey]*tally {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[rpcKey]*tally{}
	for _, mf := range mfs {
		name := mf.GetName()
		side, metric, ok := strings.Cut(strings.TrimPrefix(name, "grpc_"), "_")
		if !ok || (side != "server" && side != "client") {
			continue
		}
		for _, m := range mf.GetMetric() {
			k := rpcKey{side: side}
			code := ""
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "grpc_type":
					k.typ = l.GetValue()
				case "grpc_service":
					k.service = l.GetValue()
				case "grpc_method":
					k.method = l.GetValue()
				case "grpc_code":
					code = l.GetValue()
				}
			}
			tl := out[k]
			if tl == nil {
				tl = &tally{codes: map[string]float64{}}
				out[k] = tl
			}
			switch metric {
			case "started_total":
				tl.started = m.GetCounter().GetValue()
			case "handled_total":
				if v := m.GetCounter().GetValue(); v != 0 {
					tl.codes[code] += v
					tl.handled += v
				}
			case "handling_seconds":
				tl.histCount = float64(m.GetHistogram().GetSampleCount())
			case "in_flight_rpcs":
				tl.inFlight = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

// unbalanced lists the methods whose series disagree: started must equal
// the sum of handled over codes, the handling histogram must have observed
// each handled RPC once, and nothing may be left in flight.
func unbalanced(ts map[rpcKey]*tally) []string {
	var bad []string
	for k, tl := range ts {
		if tl.started != tl.handled || tl.histCount != tl.handled || tl.inFlight != 0 {
			bad = append(bad, fmt.Sprintf("%v: started %g, handled %g %v, histogram count %g, in flight %g",
				k, tl.started, tl.handled, tl.codes, tl.histCount, tl.inFlight))
		}
	}
	sort.Strings(bad)
	return bad
}

// settled waits until every method balances (servers record some ends
// after the client has its answer), then returns the tallies.
func settled(t testing.TB, reg prometheus.Gatherer) map[rpcKey]*tally {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ts := tallies(t, reg)
		bad := unbalanced(ts)
		if len(bad) == 0 {
			return ts
		}
		if time.Now().After(deadline) {
			t.Fatalf("series do not balance:\n  %s", strings.Join(bad, "\n  "))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// greeterKey is the rpcKey of a Greeter method.
func greeterKey(side, typ, method string) rpcKey {
	return rpcKey{side: side, typ: typ, service: "helloworld.Greeter", method: method}
}

// the four Greeter methods, by type.
var (
	mUnary  = struct{ typ, method string }{"unary", "SayHello"}
	mServer = struct{ typ, method string }{"server_stream", "SayHelloUnaryStream"}
	mClient = struct{ typ, method string }{"client_stream", "SayHelloStreamUnary"}
	mBidi   = struct{ typ, method string }{"bidi_stream", "SayHelloBidiStream"}
	methods = []struct{ typ, method string }{mUnary, mServer, mClient, mBidi}
)

// assertCodes fails unless the method's handled counts by code on side
// are exactly want (codes with a zero count left out).
func assertCodes(t testing.TB, ts map[rpcKey]*tally, side, typ, method string, want map[string]float64) {
	t.Helper()
	got := map[string]float64{}
	if tl := ts[greeterKey(side, typ, method)]; tl != nil {
		got = tl.codes
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s %s handled %v, want %v", side, method, got, want)
	}
}

// codeCount is a one-code want for assertCodes.
func codeCount(c codes.Code, n float64) map[string]float64 {
	return map[string]float64{c.String(): n}
}

// openAll opens one RPC of every type whose server handler blocks until
// its context ends, and waits until each has its first reply (the client
// stream has none: its server is blocked in its first message). It
// returns the streams in methods' order, the unary call's result arriving
// on unaryDone.
type openRPCs struct {
	unaryDone chan error
	ss        grpc.ServerStreamingClient[pb.HelloReply]
	cs        grpc.ClientStreamingClient[pb.HelloRequest, pb.HelloReply]
	bs        grpc.BidiStreamingClient[pb.HelloRequest, pb.HelloReply]
}

func openAll(t testing.TB, ctx context.Context, c pb.GreeterClient, reg prometheus.Gatherer) *openRPCs {
	t.Helper()
	o := &openRPCs{unaryDone: make(chan error, 1)}
	go func() {
		_, err := c.SayHello(ctx, &pb.HelloRequest{Name: "block"})
		o.unaryDone <- err
	}()
	var err error
	// A non-numeric name: one reply, then block.
	if o.ss, err = c.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: "block"}); err != nil {
		t.Fatalf("server stream: %v", err)
	}
	if _, err := o.ss.Recv(); err != nil {
		t.Fatalf("server stream Recv: %v", err)
	}
	if o.cs, err = c.SayHelloStreamUnary(ctx); err != nil {
		t.Fatalf("client stream: %v", err)
	}
	if err := o.cs.Send(&pb.HelloRequest{Name: "block"}); err != nil {
		t.Fatalf("client stream Send: %v", err)
	}
	if o.bs, err = c.SayHelloBidiStream(ctx); err != nil {
		t.Fatalf("bidi: %v", err)
	}
	if err := o.bs.Send(&pb.HelloRequest{Name: "block"}); err != nil {
		t.Fatalf("bidi Send: %v", err)
	}
	if _, err := o.bs.Recv(); err != nil {
		t.Fatalf("bidi Recv: %v", err)
	}
	eventually(t, "every RPC to be in flight on the server", func() bool {
		ts := tallies(t, reg)
		for _, m := range methods {
			if tl := ts[greeterKey("server", m.typ, m.method)]; tl == nil || tl.inFlight != 1 {
				return false
			}
		}
		return true
	})
	return o
}

// finish reads every open RPC to its end and returns the codes the caller
// got, in methods' order.
func (o *openRPCs) finish() [4]codes.Code {
	var got [4]codes.Code
	got[0] = codeOfErr(<-o.unaryDone)
	got[1] = recvToEnd(o.ss)
	_, err := o.cs.CloseAndRecv()
	got[2] = codeOfErr(err)
	got[3] = recvToEnd(o.bs)
	return got
}

// codeOfErr is status.Code, io.EOF read as OK.
func codeOfErr(err error) codes.Code {
	if err == io.EOF {
		return codes.OK
	}
	return status.Code(err)
}

// recvToEnd reads s until it fails and returns the code it ended with.
func recvToEnd[T any](s interface{ Recv() (*T, error) }) codes.Code {
	for range 1000 {
		if _, err := s.Recv(); err != nil {
			return codeOfErr(err)
		}
	}
	return codes.Code(1000) // never ended
}

// proxy forwards loopback TCP connections to a target, and can cut them
// all or stop forwarding (a black hole: bytes are read and dropped).
type proxy struct {
	lis    net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	stall  atomic.Bool
	wg     sync.WaitGroup
	closed bool
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	p := &proxy{lis: listen(t), target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return p.lis.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.lis.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = in.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			_ = in.Close()
			_ = out.Close()
			return
		}
		p.conns = append(p.conns, in, out)
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(out, in)
		go p.pipe(in, out)
	}
}

// pipe copies src to dst until either fails, then closes both, so that a
// close on one side reaches the other.
func (p *proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.stall.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = src.Close()
	_ = dst.Close()
}

// cut closes every connection the proxy carries; new ones are still
// accepted.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

func (p *proxy) close() {
	_ = p.lis.Close()
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cut()
	p.wg.Wait()
}
