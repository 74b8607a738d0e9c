package bench

import (
	"testing"

	"github.com/seed-db7adb15/grpcprom/bench/scenarios"
)

// run runs scenario once for every implementation, as sub-benchmarks named
// after it.
func run(b *testing.B, scenario func(*testing.B, scenarios.Impl)) {
	for _, impl := range scenarios.Impls {
		b.Run(impl.Name, func(b *testing.B) { scenario(b, impl) })
	}
}

func BenchmarkServerUnary(b *testing.B)     { run(b, scenarios.ServerUnary) }
func BenchmarkClientUnary(b *testing.B)     { run(b, scenarios.ClientUnary) }
func BenchmarkServerStreamMsg(b *testing.B) { run(b, scenarios.ServerStreamMsg) }
func BenchmarkClientStreamMsg(b *testing.B) { run(b, scenarios.ClientStreamMsg) }
func BenchmarkServerStream(b *testing.B)    { run(b, scenarios.ServerStream) }
func BenchmarkClientStream(b *testing.B)    { run(b, scenarios.ClientStream) }
