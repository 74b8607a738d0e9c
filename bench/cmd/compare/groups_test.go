package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/seed-db7adb15/grpcprom/bench/scenarios"
)

func TestMedian(t *testing.T) {
	m := median([]cell{
		{ns: 30, allocs: 2, extra: map[string]float64{"B/method": 5}},
		{ns: 10, allocs: 4, extra: map[string]float64{"B/method": 1}},
		{ns: 20, allocs: 3, extra: map[string]float64{"B/method": 9}},
		{ns: 40, allocs: 1, extra: map[string]float64{"B/method": 7}},
	})
	if m.ns != 25 || m.allocs != 2.5 || m.extra["B/method"] != 6 {
		t.Errorf("median = %+v, want ns 25, allocs 2.5, B/method 6", m)
	}
}

// synthetic gives every row of g the cell fn returns for each column.
func synthetic(g *group, fn func(col string) cell) ([]int, [][]cell) {
	rows := make([]int, len(g.rows))
	med := make([][]cell, len(g.rows))
	for ri := range g.rows {
		rows[ri] = ri
		for _, c := range g.cols {
			med[ri] = append(med[ri], fn(c))
		}
	}
	return rows, med
}

// TestStatsOverhead checks the stats group's derived table: each handler's
// cost above the no-op handler and ours over the cheapest peer.
func TestStatsOverhead(t *testing.T) {
	g := statsGroup()
	cost := map[string]cell{
		scenarios.NoHandler: {ns: 1000, allocs: 150},
		scenarios.NoopStats: {ns: 1500, allocs: 182},
		scenarios.OursStats: {ns: 1600, allocs: 184},
		scenarios.PromGRPC:  {ns: 2300, allocs: 209},
		scenarios.OTel:      {ns: 3500, allocs: 216},
	}
	rows, med := synthetic(g, func(c string) cell { return cost[c] })
	var out bytes.Buffer
	g.print(&out, rows, med)
	want := "| StatsUnary | +500 | +100 | +2 | +800 | +27 | +2000 | +34 | promgrpc | 0.12 |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("stats tables lack %q:\n%s", want, out.String())
	}
}

// TestContentionScaling checks the contention group's ratios and the
// throughput scaling from 1 proc to 2 and 8.
func TestContentionScaling(t *testing.T) {
	g := contentionGroup()
	rows, med := synthetic(g, func(c string) cell {
		return map[string]cell{scenarios.Ours: {ns: 100}, scenarios.GGP: {ns: 400}, scenarios.GGM: {ns: 800}}[c]
	})
	// Ours halves its time at 2 procs and quarters it at 8.
	for ri, name := range g.rows {
		switch {
		case strings.HasSuffix(name, "procs=2"):
			med[ri][0].ns = 50
		case strings.HasSuffix(name, "procs=8"):
			med[ri][0].ns = 25
		}
	}
	var out bytes.Buffer
	g.print(&out, rows, med)
	for _, want := range []string{
		"| ServerUnaryParallel/methods=1/procs=1 | 100 | 0 | 400 | 0 | 800 | 0 | 0.25 | 2.00 |",
		"| server, 1 | 2.00 | 4.00 | 1.00 | 1.00 | 1.00 | 1.00 |",
		"| client, 64 | 2.00 | 4.00 | 1.00 | 1.00 | 1.00 | 1.00 |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("contention tables lack %q:\n%s", want, out.String())
		}
	}
}

// TestMemoryGrowth checks the memory group's ratios and its growth row.
func TestMemoryGrowth(t *testing.T) {
	g := memoryGroup()
	rows, med := synthetic(g, func(c string) cell {
		heap := map[string]float64{scenarios.Ours: 900, scenarios.GGP: 1000, scenarios.GGM: 1000}[c]
		return cell{extra: map[string]float64{"B/method": heap, "ns/series": 50, "series/method": 21}}
	})
	last := len(g.rows) - 1
	for ci := range g.cols {
		med[last][ci].extra = map[string]float64{"B/method": 2 * med[0][ci].extra["B/method"], "ns/series": 100, "series/method": 21}
	}
	var out bytes.Buffer
	g.print(&out, rows, med)
	for _, want := range []string{
		"| 10 | 900 | 1000 | 1000 | 0.90 | 50.0 | 50.0 | 50.0 | 1.00 | 21 | 21 | 21 |",
		"| growth 10→1000 | 2.00× | 2.00× | 2.00× |  | 2.00× | 2.00× | 2.00× |  |  |  |  |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("memory tables lack %q:\n%s", want, out.String())
		}
	}
}

// TestStatsDirectOverhead checks the stats-direct group's derived columns:
// each handler above the no-op handler, and ours over promgrpc.
func TestStatsDirectOverhead(t *testing.T) {
	g := statsDirectGroup()
	cost := map[string]cell{
		scenarios.NoopStats: {ns: 1000, allocs: 8},
		scenarios.OursStats: {ns: 1300, allocs: 9},
		scenarios.PromGRPC:  {ns: 5000, allocs: 19},
	}
	rows, med := synthetic(g, func(c string) cell { return cost[c] })
	var out bytes.Buffer
	g.print(&out, rows, med)
	want := "| ServerUnary | 1000 | 8 | 1300 | 9 | 5000 | 19 | +300 | +4000 | 0.07 |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, out.String())
	}
}
