package grpcprom

import (
	"os"
	"strings"
	"testing"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// renderMetricTable renders the metric table as the README's metric
// reference.
func renderMetricTable() string {
	var b strings.Builder
	b.WriteString("| Metric | Type | Labels | Legacy name | Enabled by |\n")
	b.WriteString("| --- | --- | --- | --- | --- |\n")
	for _, d := range core.Table {
		labels := "grpc_type, grpc_service, grpc_method"
		switch {
		case d.Labels == core.NoLabels:
			labels = "none"
		case d.Code:
			labels += ", grpc_code"
		case d.CodeOption:
			labels += " (+ grpc_code with `WithCodeOnHistograms`)"
		}
		legacy := "same"
		if d.LegacyName != "" {
			legacy = "`" + d.LegacyName + "`"
		}
		if d.Code || d.CodeOption {
			legacy += " (label `code`)"
		}
		switch d.LegacyCounting {
		case core.StreamedRequests:
			legacy += "; counts only messages of client streams"
		case core.StreamedResponses:
			legacy += "; counts only messages of server streams"
		}
		enabled := "always"
		if d.Option != "" {
			enabled = "`" + d.Option + "`"
		}
		if d.Family == core.Attempts {
			enabled = strings.Replace(enabled, "always", "`WithClientAttemptMetrics`", 1)
			if d.Option != "" {
				enabled = "`WithClientAttemptMetrics` and " + enabled
			}
		}
		if d.Lazy {
			enabled += "; a method's series appears at its first event or with `InitializeMetrics`"
		}
		if d.Legacy {
			enabled += "; always in legacy mode"
		}
		if d.StreamsOnly {
			enabled += "; streams only"
		}
		b.WriteString("| `" + d.Name + "` | " + d.Kind.String() + " | " + labels + " | " + legacy + " | " + enabled + " |\n")
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
