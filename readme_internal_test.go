package grpcprom

import (
	"os"
	"strings"
	"testing"
)

// renderMetricTable renders the metric table as the README's metric
// reference.
func renderMetricTable() string {
	var b strings.Builder
	b.WriteString("| Metric | Type | Labels | Legacy name | Enabled by |\n")
	b.WriteString("| --- | --- | --- | --- | --- |\n")
	for _, d := range metricTable {
		labels := "grpc_type, grpc_service, grpc_method"
		if d.code {
			labels += ", grpc_code"
		}
		legacy := "same"
		if d.legacyName != "" {
			legacy = "`" + d.legacyName + "`"
		}
		if d.code {
			legacy += " (label `code`)"
		}
		enabled := "always"
		if d.option != "" {
			enabled = "`" + d.option + "`"
		}
		if d.id == idHandling {
			enabled += "; always in legacy mode"
		}
		b.WriteString("| `" + d.name + "` | " + d.kind.String() + " | " + labels + " | " + legacy + " | " + enabled + " |\n")
	}
	return b.String()
}

// TestReadmeMetricReference keeps the README's metric reference equal to
// the metric table.
func TestReadmeMetricReference(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatalf("reading README.md: %v", err)
	}
	const begin, end = "<!-- metrics:begin -->\n", "<!-- metrics:end -->"
	_, rest, ok := strings.Cut(string(readme), begin)
	got, _, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Fatalf("README.md lacks the %q ... %q markers", begin, end)
	}
	if want := renderMetricTable(); got != want {
		t.Errorf("README metric reference is out of date; replace it with:\n%s", want)
	}
}
