package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// table is a markdown table: the first column left-aligned, the others
// right-aligned.
type table struct {
	rows [][]string
}

func newTable(header ...string) *table {
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---:"
	}
	sep[0] = "---"
	return &table{rows: [][]string{header, sep}}
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
}

// ns formats a time in nanoseconds.
func ns(v float64) string {
	if math.Abs(v) < 100 {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

// signed formats a time difference in nanoseconds with its sign.
func signed(v float64) string {
	if v >= 0 {
		return "+" + ns(v)
	}
	return ns(v)
}

// allocs formats allocations per op to one decimal, a whole number
// without it.
func allocs(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	if s == "-0.0" {
		s = "0.0"
	}
	return strings.TrimSuffix(s, ".0")
}

// signedAllocs formats a difference in allocations per op with its sign.
func signedAllocs(v float64) string {
	if v >= 0 {
		return "+" + allocs(v)
	}
	return allocs(v)
}

// ratio formats a/b, or "—" when b is not positive.
func ratio(a, b float64) string {
	if b <= 0 || math.IsNaN(a) || math.IsInf(b, 0) {
		return "—"
	}
	return fmt.Sprintf("%.2f", a/b)
}
