package slo

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	for _, s := range []Spec{Default, {"99", "0.5"}, {"99.95", "1"}} {
		if err := s.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", s, err)
		}
	}
	for _, s := range []Spec{
		{"100", "0.25"}, {"0", "0.25"}, {"abc", "0.25"}, {"1e2", "0.25"}, {"99/1", "0.25"},
		{"99.9", "0.3"}, {"99.9", "x"}, {"99.9", "-1"},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("Validate(%+v) accepted", s)
		}
	}
}

func TestFormatting(t *testing.T) {
	p, err := Default.parse()
	if err != nil {
		t.Fatal(err)
	}
	if got := decimal(p.budget); got != "0.001" {
		t.Errorf("budget %s, want 0.001", got)
	}
	for d, want := range map[time.Duration]string{
		5 * time.Minute: "5m", time.Hour: "1h", 24 * time.Hour: "1d", 72 * time.Hour: "3d",
		Fast.scaled(72 * time.Hour): "72m", Fast.scaled(5 * time.Minute): "5s",
	} {
		if got := promDuration(d); got != want {
			t.Errorf("promDuration(%v) = %s, want %s", d, got, want)
		}
	}
	if got := humanSeconds(p.latency); got != "250ms" {
		t.Errorf("humanSeconds = %s, want 250ms", got)
	}
}

// TestIntegerLatencyMatchesOpenMetrics checks that a whole-second threshold
// matches both spellings of its bucket bound.
func TestIntegerLatencyMatchesOpenMetrics(t *testing.T) {
	b, err := RecordingRules(Spec{"99.9", "1"}, Production)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `le=~"1(\\.0)?"`) {
		t.Errorf("rules for -latency 1 do not match le 1 and 1.0:\n%s", b)
	}
}

// TestDefaultScenarios pins what the generated tests expect of the shipped
// spec, which the generator derives from its model of the windows: the
// outage pages 14.4x one step in, the blip pages nothing, and the slow burn
// opens both tickets by 20h and pages nothing.
func TestDefaultScenarios(t *testing.T) {
	b, err := Tests(Default, Production)
	if err != nil {
		t.Fatal(err)
	}
	tests := string(b)
	outage := section(t, tests, "availability fast burn")
	if !strings.Contains(outage, "eval_time: 6h\n        exp_alerts: []") {
		t.Error("the outage test does not expect silence at the last healthy step")
	}
	if !strings.Contains(cut(outage, "eval_time: 361m", "eval_time: 362m"), `burn_rate: "14.4"`) {
		t.Error("the outage test does not expect the 14.4x page one step in")
	}
	blip := section(t, tests, "availability blip")
	if strings.Contains(blip, "exp_labels") {
		t.Error("the blip test expects an alert")
	}
	long, err := LongTests(Default, Production)
	if err != nil {
		t.Fatal(err)
	}
	slow := section(t, string(long), "availability slow burn")
	if strings.Contains(slow, "severity: page") {
		t.Error("the slow burn expects a page")
	}
	last := slow[strings.LastIndex(slow, "eval_time"):]
	if !strings.Contains(last, `burn_rate: "3"`) || !strings.Contains(last, `burn_rate: "1"`) {
		t.Errorf("the slow burn does not expect both tickets at its end:\n%s", last)
	}
}

// section returns the test whose name starts with name.
func section(t *testing.T, tests, name string) string {
	t.Helper()
	i := strings.Index(tests, `- name: "`+name)
	if i < 0 {
		t.Fatalf("no test %q", name)
	}
	s := tests[i+1:]
	if j := strings.Index(s, "\n  - name: "); j >= 0 {
		s = s[:j]
	}
	return s
}

func cut(s, from, to string) string {
	i := strings.Index(s, from)
	j := strings.Index(s, to)
	if i < 0 || j < i {
		return ""
	}
	return s[i:j]
}
