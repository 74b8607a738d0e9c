package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/seed-db7adb15/grpcprom/bench/scenarios"
)

// Short names of the implementations in ratio headers.
var short = map[string]string{
	scenarios.GGP:       "ggp",
	scenarios.GGM:       "ggm",
	scenarios.Ours:      "ours",
	scenarios.OursStats: "ours-stats",
	scenarios.PromGRPC:  "promgrpc",
	scenarios.OTel:      "otel",
}

func groups() []*group {
	return []*group{interceptorGroup(), statsGroup(), statsDirectGroup(), contentionGroup(), memoryGroup()}
}

// interceptorGroup is the direct interceptor scenarios and E2EUnary against
// scenarios.Impls, with every variant of ours compared with every peer.
func interceptorGroup() *group {
	impls := scenarios.Impls
	g := &group{name: "interceptors"}
	for _, s := range scenarios.All {
		g.rows = append(g.rows, s.Name)
	}
	for _, i := range impls {
		g.cols = append(g.cols, i.Name)
	}
	g.bench = func(row, col int) func(*testing.B) {
		return func(b *testing.B) { scenarios.All[row].Run(b, impls[col]) }
	}
	g.print = func(w io.Writer, rows []int, med [][]cell) {
		type pair struct{ ours, peer int }
		var pairs []pair
		for o, name := range g.cols {
			if !strings.HasPrefix(name, scenarios.Ours) {
				continue
			}
			for p, peer := range g.cols {
				if peer == scenarios.GGP || peer == scenarios.GGM {
					pairs = append(pairs, pair{o, p})
				}
			}
		}
		header := []string{"scenario"}
		for _, name := range g.cols {
			header = append(header, name+" ns/op", name+" allocs/op")
		}
		for _, p := range pairs {
			header = append(header, g.cols[p.ours]+"/"+short[g.cols[p.peer]])
		}
		t := newTable(header...)
		for _, ri := range rows {
			cells := []string{g.rows[ri]}
			for _, c := range med[ri] {
				cells = append(cells, ns(c.ns), allocs(c.allocs))
			}
			for _, p := range pairs {
				cells = append(cells, ratio(med[ri][p.ours].ns, med[ri][p.peer].ns))
			}
			t.add(cells...)
		}
		t.write(w)
	}
	return g
}

// setCols appends names to g's columns and returns each name's column.
func (g *group) setCols(names []string) map[string]int {
	col := map[string]int{}
	for _, name := range names {
		col[name] = len(g.cols)
		g.cols = append(g.cols, name)
	}
	return col
}

// statsGroup is the end-to-end stats handler scenarios against
// scenarios.StatsImpls, with each handler's cost above the no-op handler.
func statsGroup() *group {
	impls := scenarios.StatsImpls
	g := &group{name: "stats"}
	for _, s := range scenarios.StatsAll {
		g.rows = append(g.rows, s.Name)
	}
	var names []string
	for _, impl := range impls {
		names = append(names, impl.Name)
	}
	col := g.setCols(names)
	g.bench = func(row, c int) func(*testing.B) {
		return func(b *testing.B) { scenarios.StatsAll[row].Run(b, impls[c]) }
	}
	g.print = func(w io.Writer, rows []int, med [][]cell) {
		fmt.Fprintf(w, "Both sides instrumented over bufconn, handling-time and size histograms on. %s is gRPC alone, %s a stats handler doing nothing on both sides.\n\n",
			scenarios.NoHandler, scenarios.NoopStats)
		header := []string{"scenario"}
		for _, name := range g.cols {
			header = append(header, name+" ns/op", name+" allocs/op")
		}
		t := newTable(header...)
		for _, ri := range rows {
			cells := []string{g.rows[ri]}
			for _, c := range med[ri] {
				cells = append(cells, ns(c.ns), allocs(c.allocs))
			}
			t.add(cells...)
		}
		t.write(w)

		peers := []string{scenarios.PromGRPC, scenarios.OTel}
		fmt.Fprintf(w, "\nAbove the no-op handler (the no-op handler itself above gRPC alone); targets: ours/best peer <= 0.25, ours <= 2 allocs per unary RPC.\n\n")
		header = []string{"scenario", "noop-handler above none"}
		for _, name := range append([]string{scenarios.OursStats}, peers...) {
			header = append(header, name+" +ns", name+" +allocs")
		}
		header = append(header, "best peer", "ours/best peer")
		t = newTable(header...)
		for _, ri := range rows {
			m := med[ri]
			noop := m[col[scenarios.NoopStats]]
			over := func(name string) (float64, float64) {
				c := m[col[name]]
				return c.ns - noop.ns, c.allocs - noop.allocs
			}
			cells := []string{g.rows[ri], signed(noop.ns - m[col[scenarios.NoHandler]].ns)}
			oursNs, oursAllocs := over(scenarios.OursStats)
			cells = append(cells, signed(oursNs), signedAllocs(oursAllocs))
			best, bestNs := "", math.Inf(1)
			for _, p := range peers {
				pn, pa := over(p)
				cells = append(cells, signed(pn), signedAllocs(pa))
				if pn < bestNs {
					best, bestNs = p, pn
				}
			}
			cells = append(cells, best, ratio(oursNs, bestNs))
			t.add(cells...)
		}
		t.write(w)
	}
	return g
}

// statsDirectGroup feeds the events of the direct scenarios straight to
// scenarios.StatsDirectImpls, with each handler's cost above the no-op
// handler, which is the harness's.
func statsDirectGroup() *group {
	impls := scenarios.StatsDirectImpls
	g := &group{name: "stats-direct"}
	for _, s := range scenarios.StatsDirectScenarios {
		g.rows = append(g.rows, s.Name)
	}
	var names []string
	for _, impl := range impls {
		names = append(names, impl.Name)
	}
	col := g.setCols(names)
	g.bench = func(row, c int) func(*testing.B) {
		return func(b *testing.B) { scenarios.StatsDirectScenarios[row].Run(b, impls[c]) }
	}
	g.print = func(w io.Writer, rows []int, med [][]cell) {
		fmt.Fprintf(w, "The events gRPC would send for one RPC (or one message each way on a stream) fed straight to each stats handler, handling-time and size histograms on; %s is the harness alone.\n\n", scenarios.NoopStats)
		header := []string{"scenario"}
		for _, name := range g.cols {
			header = append(header, name+" ns/op", name+" allocs/op")
		}
		header = append(header, "ours +ns", "promgrpc +ns", "ours/promgrpc above no-op")
		t := newTable(header...)
		for _, ri := range rows {
			m := med[ri]
			cells := []string{g.rows[ri]}
			for _, c := range m {
				cells = append(cells, ns(c.ns), allocs(c.allocs))
			}
			noop := m[col[scenarios.NoopStats]].ns
			ours, peer := m[col[scenarios.OursStats]].ns-noop, m[col[scenarios.PromGRPC]].ns-noop
			cells = append(cells, signed(ours), signed(peer), ratio(ours, peer))
			t.add(cells...)
		}
		t.write(w)
	}
	return g
}

// contentionGroup is the RunParallel interceptor scenarios against
// grpcprom and the interceptor peers.
func contentionGroup() *group {
	all := scenarios.ContentionAll()
	g := &group{name: "contention", cols: scenarios.ContentionImpls}
	impls := make([]scenarios.Impl, len(g.cols))
	col := map[string]int{}
	for i, name := range g.cols {
		impl, ok := scenarios.Lookup(name)
		if !ok {
			fail("no implementation %q", name)
		}
		impls[i] = impl
		col[name] = i
	}
	for _, s := range all {
		g.rows = append(g.rows, s.Name)
	}
	g.bench = func(row, c int) func(*testing.B) {
		return func(b *testing.B) { all[row].Run(b, impls[c]) }
	}
	g.print = func(w io.Writer, rows []int, med [][]cell) {
		fmt.Fprintf(w, "Unary interceptors called directly from one goroutine per P; ns/op is wall time per call over all goroutines. The machine's CPUs bound any scaling.\n\n")
		header := []string{"scenario"}
		for _, name := range g.cols {
			header = append(header, name+" ns/op", name+" allocs/op")
		}
		header = append(header, "ours/ggp", "ggm/ggp")
		t := newTable(header...)
		ggp := col[scenarios.GGP]
		for _, ri := range rows {
			m := med[ri]
			cells := []string{g.rows[ri]}
			for _, c := range m {
				cells = append(cells, ns(c.ns), allocs(c.allocs))
			}
			cells = append(cells, ratio(m[col[scenarios.Ours]].ns, m[ggp].ns), ratio(m[col[scenarios.GGM]].ns, m[ggp].ns))
			t.add(cells...)
		}
		t.write(w)

		// Throughput scaling: ns/op at 1 proc over ns/op at p procs.
		ran := map[string]int{}
		for _, ri := range rows {
			ran[g.rows[ri]] = ri
		}
		fmt.Fprintf(w, "\nThroughput scaling, ns/op at 1 proc / ns/op at p procs (target for ours at 2 procs, one method: above 1.0).\n\n")
		header = []string{"side, methods"}
		for _, name := range g.cols {
			for _, p := range scenarios.ContentionProcs[1:] {
				header = append(header, fmt.Sprintf("%s 1→%d", name, p))
			}
		}
		t = newTable(header...)
		for _, s := range all {
			if s.Procs != scenarios.ContentionProcs[0] {
				continue
			}
			base, ok := ran[s.Name]
			if !ok {
				continue
			}
			side := "server"
			if s.Client {
				side = "client"
			}
			cells := []string{fmt.Sprintf("%s, %d", side, s.Methods)}
			for ci := range g.cols {
				for _, p := range scenarios.ContentionProcs[1:] {
					other := strings.Replace(s.Name, fmt.Sprintf("procs=%d", s.Procs), fmt.Sprintf("procs=%d", p), 1)
					if oi, ok := ran[other]; ok {
						cells = append(cells, ratio(med[base][ci].ns, med[oi][ci].ns))
					} else {
						cells = append(cells, "—")
					}
				}
			}
			t.add(cells...)
		}
		t.write(w)
	}
	return g
}

// memoryGroup is the heap and Gather scenarios against
// scenarios.MemoryImpls.
func memoryGroup() *group {
	all := scenarios.MemoryAll()
	impls := scenarios.MemoryImpls
	g := &group{name: "memory"}
	col := map[string]int{}
	for i, impl := range impls {
		g.cols = append(g.cols, impl.Name)
		col[impl.Name] = i
	}
	for _, s := range all {
		g.rows = append(g.rows, s.Name)
	}
	g.bench = func(row, c int) func(*testing.B) {
		return func(b *testing.B) { all[row].Run(b, impls[c]) }
	}
	g.print = func(w io.Writer, rows []int, med [][]cell) {
		fmt.Fprintf(w, "Server metrics with the handling-time histogram, every method initialized; heap retained after GC per method, and Gather time per series (target for ours: heap <= 0.9 ggp's).\n\n")
		header := []string{"methods"}
		for _, name := range g.cols {
			header = append(header, name+" B/method")
		}
		header = append(header, "ours/ggp heap")
		for _, name := range g.cols {
			header = append(header, name+" ns/series")
		}
		header = append(header, "ours/ggp Gather")
		for _, name := range g.cols {
			header = append(header, name+" series/method")
		}
		t := newTable(header...)
		ours, ggp := col[scenarios.Ours], col[scenarios.GGP]
		for _, ri := range rows {
			m := med[ri]
			cells := []string{strings.TrimPrefix(g.rows[ri], "Memory/methods=")}
			for _, c := range m {
				cells = append(cells, fmt.Sprintf("%.0f", c.extra["B/method"]))
			}
			cells = append(cells, ratio(m[ours].extra["B/method"], m[ggp].extra["B/method"]))
			for _, c := range m {
				cells = append(cells, ns(c.extra["ns/series"]))
			}
			cells = append(cells, ratio(m[ours].extra["ns/series"], m[ggp].extra["ns/series"]))
			for _, c := range m {
				cells = append(cells, fmt.Sprintf("%.0f", c.extra["series/method"]))
			}
			t.add(cells...)
		}
		// Growth from the fewest methods to the most, when both ran.
		if len(rows) > 1 {
			first, last := med[rows[0]], med[rows[len(rows)-1]]
			cells := []string{"growth " + strings.TrimPrefix(g.rows[rows[0]], "Memory/methods=") + "→" + strings.TrimPrefix(g.rows[rows[len(rows)-1]], "Memory/methods=")}
			for ci := range g.cols {
				cells = append(cells, ratio(last[ci].extra["B/method"], first[ci].extra["B/method"])+"×")
			}
			cells = append(cells, "")
			for ci := range g.cols {
				cells = append(cells, ratio(last[ci].extra["ns/series"], first[ci].extra["ns/series"])+"×")
			}
			cells = append(cells, "")
			for range g.cols {
				cells = append(cells, "")
			}
			t.add(cells...)
		}
		t.write(w)
	}
	return g
}
