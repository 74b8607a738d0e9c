package scenarios

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	ggmprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	ggp "github.com/grpc-ecosystem/go-grpc-prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/seed-db7adb15/grpcprom"
	"google.golang.org/grpc"
)

// MemoryMethods are the numbers of methods the memory scenarios initialize.
var MemoryMethods = []int{10, 100, 1000}

// MemoryImpl is an implementation of the memory scenarios: Build makes its
// server metrics with the handling-time histogram on, registers them with
// reg and initializes the series of every method srv registers, the way
// its documentation says to before serving. It returns the metrics, which
// the scenario keeps alive.
type MemoryImpl struct {
	Name  string
	Build func(reg prometheus.Registerer, srv *grpc.Server) any
}

// MemoryImpls lists the implementations of the memory scenarios. Only the
// server side is compared: the peers initialize no client series.
var MemoryImpls = []MemoryImpl{
	{Ours, func(reg prometheus.Registerer, srv *grpc.Server) any {
		m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
		reg.MustRegister(m)
		m.InitializeMetrics(srv)
		return m
	}},
	{GGP, func(reg prometheus.Registerer, srv *grpc.Server) any {
		m := ggp.NewServerMetrics()
		m.EnableHandlingTimeHistogram()
		reg.MustRegister(m)
		m.InitializeMetrics(srv)
		return m
	}},
	{GGM, func(reg prometheus.Registerer, srv *grpc.Server) any {
		m := ggmprom.NewServerMetrics(ggmprom.WithServerHandlingTimeHistogram())
		reg.MustRegister(m)
		m.InitializeMetrics(srv)
		return m
	}},
}

// MemoryScenario initializes the series of Methods methods.
type MemoryScenario struct {
	Name    string
	Methods int
}

// MemoryAll lists the memory scenarios.
func MemoryAll() []MemoryScenario {
	var out []MemoryScenario
	for _, n := range MemoryMethods {
		out = append(out, MemoryScenario{fmt.Sprintf("Memory/methods=%d", n), n})
	}
	return out
}

// Run runs the scenario against impl: it builds and initializes impl's
// metrics for a server registering Methods unary methods (10 per service)
// and reports the heap they retain per method (B/method) and their series
// per method (series/method); then it times Gather on their registry:
// 1 op = 1 Gather, also reported per series (ns/series). It fails unless
// every method has its 17 handled series at zero.
func (s MemoryScenario) Run(b *testing.B, impl MemoryImpl) {
	srv := grpc.NewServer()
	for _, sd := range memoryServices(s.Methods) {
		srv.RegisterService(sd, struct{}{})
	}
	reg := prometheus.NewRegistry()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := impl.Build(reg, srv)
	runtime.GC()
	runtime.ReadMemStats(&after)
	retained := int64(after.HeapAlloc) - int64(before.HeapAlloc)

	fs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	handled := series(fs, "grpc_server_handled_total", labelMatch{})
	var sum float64
	for _, h := range handled {
		sum += h.GetCounter().GetValue()
	}
	if len(handled) != 17*s.Methods || sum != 0 {
		b.Fatalf("%s: %d handled series summing to %v after initializing %d methods, want %d at 0",
			impl.Name, len(handled), sum, s.Methods, 17*s.Methods)
	}
	n := countSeries(fs)

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.KeepAlive(m)
	b.ReportMetric(float64(retained)/float64(s.Methods), "B/method")
	b.ReportMetric(float64(n)/float64(s.Methods), "series/method")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/series")
}

// memoryServices describes n unary methods, 10 per service.
func memoryServices(n int) []*grpc.ServiceDesc {
	var out []*grpc.ServiceDesc
	for i := 0; i < n; i += 10 {
		sd := &grpc.ServiceDesc{
			ServiceName: fmt.Sprintf("bench.Memory%03d", i/10),
			HandlerType: (*any)(nil),
		}
		for j := i; j < min(i+10, n); j++ {
			sd.Methods = append(sd.Methods, grpc.MethodDesc{
				MethodName: fmt.Sprintf("Method%04d", j),
				Handler: func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
					return nil, nil
				},
			})
		}
		out = append(out, sd)
	}
	return out
}
