package scenarios

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
)

// ContentionProcs are the GOMAXPROCS values the contention scenarios run
// at, and ContentionMethods the numbers of methods their calls spread over.
var (
	ContentionProcs   = []int{1, 2, 8}
	ContentionMethods = []int{1, 64}
)

// ContentionImpls names the implementations the contention scenarios run.
var ContentionImpls = []string{Ours, GGP, GGM}

// ContentionScenario is one contended benchmark: one side's unary
// interceptor called from one goroutine per P, at Procs Ps, on Methods
// methods.
type ContentionScenario struct {
	Name    string
	Client  bool
	Procs   int
	Methods int
}

// Run runs the scenario against impl.
func (c ContentionScenario) Run(b *testing.B, impl Impl) {
	if c.Client {
		ClientUnaryParallel(b, impl, c.Procs, c.Methods)
	} else {
		ServerUnaryParallel(b, impl, c.Procs, c.Methods)
	}
}

// ContentionAll lists every contention scenario: each side, on each number
// of methods, at each GOMAXPROCS.
func ContentionAll() []ContentionScenario {
	var out []ContentionScenario
	for _, client := range []bool{false, true} {
		for _, m := range ContentionMethods {
			for _, p := range ContentionProcs {
				side := "Server"
				if client {
					side = "Client"
				}
				out = append(out, ContentionScenario{
					Name:   fmt.Sprintf("%sUnaryParallel/methods=%d/procs=%d", side, m, p),
					Client: client, Procs: p, Methods: m,
				})
			}
		}
	}
	return out
}

// ContentionMethod returns the full name of the i-th of n methods the
// contention scenarios call: SayHello alone when n is 1.
func ContentionMethod(i, n int) string {
	if n == 1 {
		return UnaryMethod
	}
	return fmt.Sprintf("/bench.Contention/Method%02d", i)
}

// parallel sets GOMAXPROCS to procs for the rest of the benchmark, calls
// each of n methods once with call (so that every series exists before
// timing), then runs call from one goroutine per P, each goroutine walking
// the methods from its own starting point. It fails b if any call failed
// and returns the number of calls made, warm-up included.
func parallel(b *testing.B, procs, n int, call func(method int) error) int64 {
	prev := runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(prev)
	for i := range n {
		if err := call(i); err != nil {
			b.Fatal(err)
		}
	}
	var calls, failed, next atomic.Int64
	b.SetParallelism(1)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1)) * 17
		k := int64(0)
		for pb.Next() {
			if err := call(i % n); err != nil {
				failed.Add(1)
			}
			i++
			k++
		}
		calls.Add(k)
	})
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d calls failed", f)
	}
	return calls.Load() + int64(n)
}

// ServerUnaryParallel calls the unary server interceptor around a handler
// that returns at once, from one goroutine per P at GOMAXPROCS procs, on
// methods methods: 1 op = 1 RPC. It fails unless the implementation counts
// every call as handled.
func ServerUnaryParallel(b *testing.B, impl Impl, procs, methods int) {
	reg := prometheus.NewRegistry()
	ic := impl.Server(reg).Unary
	ctx := context.Background()
	req, resp := messages()
	handler := func(context.Context, any) (any, error) { return resp, nil }
	infos := make([]*grpc.UnaryServerInfo, methods)
	for i := range infos {
		infos[i] = &grpc.UnaryServerInfo{FullMethod: ContentionMethod(i, methods)}
	}
	calls := parallel(b, procs, methods, func(i int) error {
		_, err := ic(ctx, req, infos[i], handler)
		return err
	})
	if err := checkHandled(reg, "grpc_server_handled_total", methods, calls); err != nil {
		b.Fatal(err)
	}
}

// ClientUnaryParallel is ServerUnaryParallel for the unary client
// interceptor around an invoker that returns at once.
func ClientUnaryParallel(b *testing.B, impl Impl, procs, methods int) {
	reg := prometheus.NewRegistry()
	ic := impl.Client(reg).Unary
	ctx := context.Background()
	req, reply := messages()
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	names := make([]string, methods)
	for i := range names {
		names[i] = ContentionMethod(i, methods)
	}
	calls := parallel(b, procs, methods, func(i int) error {
		return ic(ctx, names[i], req, reply, nil, invoker)
	})
	if err := checkHandled(reg, "grpc_client_handled_total", methods, calls); err != nil {
		b.Fatal(err)
	}
}

// checkHandled checks that family counts calls in all over the methods of
// a contention scenario, at least one on each.
func checkHandled(g prometheus.Gatherer, family string, methods int, calls int64) error {
	fs, err := g.Gather()
	if err != nil {
		return fmt.Errorf("gathering: %w", err)
	}
	var total float64
	for i := range methods {
		service, method := splitFull(ContentionMethod(i, methods))
		n := counterSum(fs, family, labelMatch{"grpc_service": service, "grpc_method": method, "grpc_code": "OK"})
		if n < 1 {
			return fmt.Errorf("%s{grpc_method=%q} = %v, want at least 1", family, method, n)
		}
		total += n
	}
	if total != float64(calls) {
		return fmt.Errorf("%s over %d methods = %v, want %d", family, methods, total, calls)
	}
	return nil
}
