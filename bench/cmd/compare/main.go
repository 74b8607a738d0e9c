// Command compare runs the benchmark scenarios against every
// implementation, interleaving the implementations round after round so
// that drift in the machine's speed affects them alike, and prints the
// median of each as a markdown table.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/seed-db7adb15/grpcprom/bench/scenarios"
)

type result struct {
	nsPerOp     float64
	allocsPerOp int64
}

func main() {
	testing.Init()
	rounds := flag.Int("rounds", 5, "rounds of every scenario and implementation; the median is shown")
	benchtime := flag.String("benchtime", "1s", "run time of each benchmark, as for go test -benchtime")
	run := flag.String("run", "", "run only the scenarios whose name matches this regular expression")
	flag.Parse()
	if *rounds < 1 {
		fail("-rounds must be at least 1")
	}
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		fail("-benchtime: %v", err)
	}
	match, err := regexp.Compile(*run)
	if err != nil {
		fail("-run: %v", err)
	}

	var selected []scenarios.Scenario
	for _, s := range scenarios.All {
		if match.MatchString(s.Name) {
			selected = append(selected, s)
		}
	}
	impls := scenarios.Impls

	// results[scenario][impl] holds one result per round.
	results := make([][][]result, len(selected))
	for i := range results {
		results[i] = make([][]result, len(impls))
	}
	for r := range *rounds {
		for si, s := range selected {
			// Start each round with another implementation.
			for k := range impls {
				ii := (k + r) % len(impls)
				fmt.Fprintf(os.Stderr, "round %d/%d: %s/%s\n", r+1, *rounds, s.Name, impls[ii].Name)
				br := testing.Benchmark(func(b *testing.B) { s.Run(b, impls[ii]) })
				if br.N == 0 {
					fail("%s/%s failed", s.Name, impls[ii].Name)
				}
				results[si][ii] = append(results[si][ii], result{
					nsPerOp:     float64(br.T.Nanoseconds()) / float64(br.N),
					allocsPerOp: br.AllocsPerOp(),
				})
			}
		}
	}
	printTable(os.Stdout, selected, impls, results)
}

func printTable(w io.Writer, selected []scenarios.Scenario, impls []scenarios.Impl, results [][][]result) {
	// Ratios compare every variant of ours with every peer.
	type pair struct{ ours, peer int }
	var pairs []pair
	for o, oi := range impls {
		if !strings.HasPrefix(oi.Name, scenarios.Ours) {
			continue
		}
		for p, pi := range impls {
			if pi.Name == scenarios.GGP || pi.Name == scenarios.GGM {
				pairs = append(pairs, pair{o, p})
			}
		}
	}
	short := map[string]string{scenarios.GGP: "ggp", scenarios.GGM: "ggm"}

	header := []string{"scenario"}
	for _, impl := range impls {
		header = append(header, impl.Name+" ns/op", impl.Name+" allocs/op")
	}
	for _, p := range pairs {
		header = append(header, impls[p.ours].Name+"/"+short[impls[p.peer].Name])
	}
	row(w, header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---:"
	}
	sep[0] = "---"
	row(w, sep)

	for si, s := range selected {
		med := make([]result, len(impls))
		for ii := range impls {
			med[ii] = median(results[si][ii])
		}
		cells := []string{s.Name}
		for _, m := range med {
			cells = append(cells, ns(m.nsPerOp), fmt.Sprint(m.allocsPerOp))
		}
		for _, p := range pairs {
			cells = append(cells, fmt.Sprintf("%.2f", med[p.ours].nsPerOp/med[p.peer].nsPerOp))
		}
		row(w, cells)
	}
}

func row(w io.Writer, cells []string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
}

func ns(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

// median returns the median ns/op and the median allocs/op of rs.
func median(rs []result) result {
	ns := make([]float64, len(rs))
	allocs := make([]int64, len(rs))
	for i, r := range rs {
		ns[i], allocs[i] = r.nsPerOp, r.allocsPerOp
	}
	slices.Sort(ns)
	slices.Sort(allocs)
	n := len(rs)
	if n%2 == 1 {
		return result{ns[n/2], allocs[n/2]}
	}
	return result{(ns[n/2-1] + ns[n/2]) / 2, (allocs[n/2-1] + allocs[n/2]) / 2}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "compare: "+format+"\n", args...)
	os.Exit(2)
}
