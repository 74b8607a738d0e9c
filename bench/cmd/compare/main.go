// Command compare runs the benchmark scenarios against every
// implementation, interleaving the implementations round after round so
// that drift in the machine's speed affects them alike, and prints the
// median of each as markdown tables, preceded by the command that made
// them.
//
// The scenarios come in groups, each with its own implementations and
// tables: interceptors (the direct interceptor paths and a unary call over
// bufconn), stats (stats handlers end to end over bufconn), stats-direct
// (one RPC's events fed straight to stats handlers), contention (unary
// interceptors under b.RunParallel at several GOMAXPROCS) and memory
// (heap and Gather time per initialized method). -group selects groups and
// -run scenarios, each by regular expression.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// cell is one benchmark run: ns/op, allocations per op and the metrics the
// benchmark reported itself.
type cell struct {
	ns, allocs float64
	extra      map[string]float64
}

// group is a set of scenarios (rows) run against a set of implementations
// (columns), with its own tables.
type group struct {
	name  string
	rows  []string
	cols  []string
	bench func(row, col int) func(*testing.B)
	// print writes the tables from the medians, med[row][col], of the rows
	// that ran (rows holds their indexes into the group's rows).
	print func(w io.Writer, rows []int, med [][]cell)
}

func main() {
	testing.Init()
	rounds := flag.Int("rounds", 5, "rounds of every scenario and implementation; the median is shown")
	benchtime := flag.String("benchtime", "1s", "run time of each benchmark, as for go test -benchtime")
	groupRE := flag.String("group", "", "run only the groups (interceptors, stats, stats-direct, contention, memory) whose name matches this regular expression")
	run := flag.String("run", "", "run only the scenarios whose name matches this regular expression")
	flag.Parse()
	if *rounds < 1 {
		fail("-rounds must be at least 1")
	}
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		fail("-benchtime: %v", err)
	}
	matchGroup, err := regexp.Compile(*groupRE)
	if err != nil {
		fail("-group: %v", err)
	}
	match, err := regexp.Compile(*run)
	if err != nil {
		fail("-run: %v", err)
	}

	type selection struct {
		g    *group
		rows []int
		// results[i][col] holds one cell per round for row rows[i].
		results [][][]cell
	}
	var sel []selection
	for _, g := range groups() {
		if !matchGroup.MatchString(g.name) {
			continue
		}
		s := selection{g: g}
		for ri, name := range g.rows {
			if match.MatchString(name) {
				s.rows = append(s.rows, ri)
				s.results = append(s.results, make([][]cell, len(g.cols)))
			}
		}
		if len(s.rows) > 0 {
			sel = append(sel, s)
		}
	}
	if len(sel) == 0 {
		fail("no scenario matches -group %q -run %q", *groupRE, *run)
	}

	for r := range *rounds {
		for _, s := range sel {
			for i, ri := range s.rows {
				// Start each round with another implementation.
				for k := range s.g.cols {
					ci := (k + r) % len(s.g.cols)
					fmt.Fprintf(os.Stderr, "round %d/%d: %s %s/%s\n", r+1, *rounds, s.g.name, s.g.rows[ri], s.g.cols[ci])
					br := testing.Benchmark(s.g.bench(ri, ci))
					if br.N == 0 {
						fail("%s/%s failed", s.g.rows[ri], s.g.cols[ci])
					}
					s.results[i][ci] = append(s.results[i][ci], cell{
						ns:     float64(br.T.Nanoseconds()) / float64(br.N),
						allocs: float64(br.MemAllocs) / float64(br.N),
						extra:  br.Extra,
					})
				}
			}
		}
	}

	w := os.Stdout
	fmt.Fprintf(w, "Made by `go run ./cmd/compare %s` in bench/ on %s: %s, %s/%s, %d CPUs, GOMAXPROCS %d; median of %d rounds.\n",
		strings.Join(os.Args[1:], " "), time.Now().UTC().Format("2006-01-02"),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), *rounds)
	for _, s := range sel {
		med := make([][]cell, len(s.g.rows))
		for i, ri := range s.rows {
			med[ri] = make([]cell, len(s.g.cols))
			for ci := range s.g.cols {
				med[ri][ci] = median(s.results[i][ci])
			}
		}
		fmt.Fprintf(w, "\n### %s\n\n", s.g.name)
		s.g.print(w, s.rows, med)
	}
}

// median returns the median of each metric of cs.
func median(cs []cell) cell {
	pick := func(get func(cell) float64) float64 {
		vs := make([]float64, len(cs))
		for i, c := range cs {
			vs[i] = get(c)
		}
		slices.Sort(vs)
		n := len(vs)
		if n%2 == 1 {
			return vs[n/2]
		}
		return (vs[n/2-1] + vs[n/2]) / 2
	}
	m := cell{
		ns:     pick(func(c cell) float64 { return c.ns }),
		allocs: pick(func(c cell) float64 { return c.allocs }),
		extra:  map[string]float64{},
	}
	for unit := range cs[0].extra {
		m.extra[unit] = pick(func(c cell) float64 { return c.extra[unit] })
	}
	return m
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "compare: "+format+"\n", args...)
	os.Exit(2)
}
