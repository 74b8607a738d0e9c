package bench

import (
	"testing"

	"github.com/seed-db7adb15/grpcprom/bench/scenarios"
)

// BenchmarkContention runs the unary interceptors from one goroutine per P
// at GOMAXPROCS 1, 2 and 8, on one method and on 64.
func BenchmarkContention(b *testing.B) {
	for _, s := range scenarios.ContentionAll() {
		for _, name := range scenarios.ContentionImpls {
			impl, _ := scenarios.Lookup(name)
			b.Run(s.Name+"/"+name, func(b *testing.B) { s.Run(b, impl) })
		}
	}
}

// BenchmarkMemory reports the heap and series per initialized method and
// times Gather, at 10, 100 and 1000 methods.
func BenchmarkMemory(b *testing.B) {
	for _, s := range scenarios.MemoryAll() {
		for _, impl := range scenarios.MemoryImpls {
			b.Run(s.Name+"/"+impl.Name, func(b *testing.B) { s.Run(b, impl) })
		}
	}
}

// TestContentionScenarios runs every contention scenario for one iteration
// with each implementation; each scenario fails unless the handled counter
// equals its calls, warm-up included, with every method called.
func TestContentionScenarios(t *testing.T) {
	for _, s := range scenarios.ContentionAll() {
		for _, name := range scenarios.ContentionImpls {
			impl, ok := scenarios.Lookup(name)
			if !ok {
				t.Fatalf("no implementation %q", name)
			}
			t.Run(s.Name+"/"+name, func(t *testing.T) {
				once(t, func(b *testing.B) { s.Run(b, impl) })
			})
		}
	}
}

// TestMemoryScenario runs the smallest memory scenario for one iteration
// with each implementation (it fails unless 17 handled series per method
// exist at zero) and checks that it reports heap, series and Gather time.
func TestMemoryScenario(t *testing.T) {
	s := scenarios.MemoryAll()[0]
	for _, impl := range scenarios.MemoryImpls {
		t.Run(impl.Name, func(t *testing.T) {
			r := once(t, func(b *testing.B) { s.Run(b, impl) })
			for _, unit := range []string{"B/method", "series/method", "ns/series"} {
				if v := r.Extra[unit]; v <= 0 {
					t.Errorf("%s = %v, want > 0", unit, v)
				}
			}
			if got := r.Extra["series/method"]; got < 17 {
				t.Errorf("series/method = %v, want at least 17", got)
			}
		})
	}
}
