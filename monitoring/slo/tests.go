package slo

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The labels of the test series.
const (
	testJob      = "helloworld"
	testService  = "helloworld.Greeter"
	testInstance = "10.0.0.1:50052"
)

// longSteps is the longest window in steps of the test series.
const longSteps = 72 * 60

// shortHistory is the healthy history before the fast-burn and blip
// scenarios: 6h, so that the page windows are full. The 1d and 3d windows
// see only what there is.
const shortHistory = 6 * 60

// phase is a stretch of steady traffic in a burn scenario, in RPCs per
// second.
type phase struct {
	steps      int
	total, bad float64
}

// check is an evaluation of a scenario's alerts, steps after the history.
type check struct {
	after   int
	comment string
}

// scenario is traffic to one service, after a healthy history.
type scenario struct {
	name    string
	comment string
	history int // steps of healthy traffic before the phases
	phases  []phase
	checks  []check
}

// scenarios returns the burn scenarios for spec: a total outage that pages
// within the workbook's detection time, a blip of 20 times the budget for
// 15 minutes (2% at 99.9%) that pages nothing, and a slow burn of 3.9 times
// the budget that opens the tickets and pages nothing.
func (p parsed) scenarios() []scenario {
	const total = 64
	times := func(rps float64, factor *big.Rat) float64 {
		f, _ := new(big.Rat).Mul(new(big.Rat).Mul(new(big.Rat).SetFloat64(rps), factor), p.budget).Float64()
		return f
	}
	return []scenario{
		{
			name:    "fast burn: a total outage pages within the detection time",
			comment: "Every RPC fails from the end of the history on. At 99.9% the 1h ratio passes 14.4 times the budget after 52s, the workbook's detection time: the page fires at the first evaluation after that, one step in.",
			history: shortHistory,
			phases:  []phase{{steps: 10, total: total, bad: total}},
			checks: []check{
				{0, "the last healthy step"}, {1, "one step into the outage: the page"},
				{2, ""}, {3, ""}, {4, ""}, {6, ""}, {10, ""},
			},
		},
		{
			name:    "blip: a short burst of errors pages nothing",
			comment: "20 times the budget fails (2% at 99.9%) for 15 steps, then traffic is healthy again: the short windows see it, the long ones do not.",
			history: shortHistory,
			phases:  []phase{{steps: 15, total: 50, bad: times(50, big.NewRat(20, 1))}, {steps: 30, total: 50}},
			checks:  []check{{5, ""}, {15, "the end of the blip"}, {45, ""}},
		},
		{
			name:    "slow burn: 3.9 times the budget opens the tickets, pages nothing",
			comment: "1000/256 times the budget fails (1/256 of all RPCs at 99.9%) after 3d of healthy traffic: over 1d and 3d that passes 3 and 1 times the budget after about 18.4h, and never 6 times.",
			history: longSteps,
			phases:  []phase{{steps: 20 * 60, total: total, bad: times(total, big.NewRat(1000, 256))}},
			checks:  []check{{60, ""}, {18 * 60, ""}, {20 * 60, ""}},
		},
	}
}

// Tests returns the promtool tests of RecordingRules and Alerts that run
// with an evaluation every step of the test series (1m in production):
// the fast-burn and blip scenarios, for every alert, firing and not.
func Tests(spec Spec, prof Profile) ([]byte, error) {
	return tests(spec, prof, 1, func(sc scenario) bool { return sc.history == shortHistory })
}

// LongTests returns the promtool tests that need the longest window's
// worth of data, evaluated every 60 steps (1h in production) to keep them quick: every
// recording rule's value on traffic of several services, codes and types,
// and the slow-burn scenario.
func LongTests(spec Spec, prof Profile) ([]byte, error) {
	return tests(spec, prof, 60, func(sc scenario) bool { return sc.history == longSteps })
}

func tests(spec Spec, prof Profile, evalSteps int, keep func(scenario) bool) ([]byte, error) {
	p, err := spec.parse()
	if err != nil {
		return nil, err
	}
	step := prof.scaled(time.Minute)
	file := "slo_test.yml"
	if evalSteps > 1 {
		file = "slo_long_test.yml"
	}
	var b strings.Builder
	b.WriteString(header(spec, prof, "promtool tests of slo-rules.yml and slo-alerts.yml. Run from this directory:\n#   promtool test rules "+file))
	fmt.Fprintf(&b, "rule_files:\n  - slo-rules.yml\n  - slo-alerts.yml\n\nevaluation_interval: %s\n\n%s\ntests:\n", promDuration(step*time.Duration(evalSteps)), evalOrder)
	if evalSteps > 1 {
		p.recordingTest(&b, prof)
	}
	for _, s := range p.slis() {
		for _, sc := range p.scenarios() {
			if !keep(sc) {
				continue
			}
			if err := p.burnTest(&b, prof, s, sc); err != nil {
				return nil, err
			}
		}
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

// evalOrder makes promtool evaluate the records before the alerts at each
// evaluation, as a single rule group would. A real Prometheus evaluates
// the groups apart, so its alerts may read records one evaluation old.
const evalOrder = `group_eval_order:
  - grpcprom.slo.availability.rules
  - grpcprom.slo.latency.rules
  - grpcprom.slo.alerts
`

// series writes one input series.
func series(b *strings.Builder, name, labels, values string) {
	fmt.Fprintf(b, "      - series: '%s{%s}'\n        values: '%s'\n", name, labels, values)
}

// steady returns the values of a counter growing at rate per second for
// steps steps of step.
func steady(rate float64, steps int, step time.Duration) string {
	return "0+" + num(rate*step.Seconds()) + "x" + strconv.Itoa(steps)
}

// counter returns the values of a counter that starts at 0 and grows at
// the given rates per second, one per phase of the given lengths.
func counter(step time.Duration, steps []int, rates []float64) string {
	var parts []string
	last := 0.0
	for i, n := range steps {
		inc := rates[i] * step.Seconds()
		if i == 0 {
			parts = append(parts, "0+"+num(inc)+"x"+strconv.Itoa(n))
			last = inc * float64(n)
			continue
		}
		parts = append(parts, num(last+inc)+"+"+num(inc)+"x"+strconv.Itoa(n-1))
		last += inc * float64(n)
	}
	return strings.Join(parts, " ")
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func labels(service, method, typ string, extra ...string) string {
	l := fmt.Sprintf(`job=%q, instance=%q, grpc_service=%q, grpc_method=%q, grpc_type=%q`, testJob, testInstance, service, method, typ)
	for i := 0; i+1 < len(extra); i += 2 {
		l += fmt.Sprintf(", %s=%q", extra[i], extra[i+1])
	}
	return l
}

// recordingTest checks every recording rule over three services: the
// Greeter with errors of several codes, unary and stream RPCs, on two
// instances; a Health service without errors; and the catch-all service
// "unknown", which the SLOs leave out. All rates are multiples of 1/4 RPC/s
// so that every sum and ratio is exact in floating point: promtool
// compares values exactly.
func (p parsed) recordingTest(b *strings.Builder, prof Profile) {
	step := prof.scaled(time.Minute)
	le := decimal(p.latency)
	n := longSteps
	b.WriteString("  # Every recording rule, over the longest window's worth of steady traffic.\n")
	b.WriteString("  - name: recording rules\n")
	fmt.Fprintf(b, "    interval: %s\n", promDuration(step))
	b.WriteString("    input_series:\n")
	b.WriteString("      # Greeter: 128 RPC/s, 2 of them server errors (Internal, Unavailable);\n")
	b.WriteString("      # NotFound, InvalidArgument and Canceled are not. Availability ratio 1/64.\n")
	g := func(method, typ string, extra ...string) string { return labels(testService, method, typ, extra...) }
	other := strings.Replace(g("SayHello", "unary", "grpc_code", "OK"), testInstance, "10.0.0.2:50052", 1)
	series(b, "grpc_server_handled_total", g("SayHello", "unary", "grpc_code", "OK"), steady(24, n, step))
	series(b, "grpc_server_handled_total", other, steady(24, n, step))
	for _, c := range []struct {
		code string
		rate float64
	}{{"NotFound", 8}, {"InvalidArgument", 4}, {"Canceled", 2}, {"Internal", 1}, {"Unavailable", 1}} {
		series(b, "grpc_server_handled_total", g("SayHello", "unary", "grpc_code", c.code), steady(c.rate, n, step))
	}
	series(b, "grpc_server_handled_total", g("SayHelloUnaryStream", "server_stream", "grpc_code", "OK"), steady(64, n, step))
	fmt.Fprintf(b, "      # Greeter latency: 64 unary RPC/s, 32 of them within le=%q: ratio 1/2.\n", le)
	b.WriteString("      # Streams are not in the latency SLO, however slow.\n")
	series(b, "grpc_server_handling_seconds_bucket", g("SayHello", "unary", "le", "0.1"), steady(16, n, step))
	series(b, "grpc_server_handling_seconds_bucket", g("SayHello", "unary", "le", le), steady(32, n, step))
	series(b, "grpc_server_handling_seconds_bucket", g("SayHello", "unary", "le", "+Inf"), steady(64, n, step))
	series(b, "grpc_server_handling_seconds_count", g("SayHello", "unary"), steady(64, n, step))
	series(b, "grpc_server_handling_seconds_bucket", g("SayHelloUnaryStream", "server_stream", "le", le), steady(0, n, step))
	series(b, "grpc_server_handling_seconds_count", g("SayHelloUnaryStream", "server_stream"), steady(64, n, step))
	b.WriteString("      # Health: 16 RPC/s, all OK and fast, no error series at all: ratios 0.\n")
	h := func(extra ...string) string { return labels("grpc.health.v1.Health", "Check", "unary", extra...) }
	series(b, "grpc_server_handled_total", h("grpc_code", "OK"), steady(16, n, step))
	series(b, "grpc_server_handling_seconds_bucket", h("le", le), steady(16, n, step))
	series(b, "grpc_server_handling_seconds_count", h(), steady(16, n, step))
	b.WriteString("      # Calls to unknown methods, all failing and slow: left out.\n")
	u := func(extra ...string) string { return labels("unknown", "unknown", "unary", extra...) }
	series(b, "grpc_server_handled_total", u("grpc_code", "Unimplemented"), steady(8, n, step))
	series(b, "grpc_server_handling_seconds_bucket", u("le", le), steady(0, n, step))
	series(b, "grpc_server_handling_seconds_count", u(), steady(8, n, step))

	b.WriteString("    promql_expr_test:\n")
	want := map[string][2]string{"availability": {"0.015625", "0"}, "latency": {"0.5", "0"}}
	for _, s := range p.slis() {
		for _, d := range ratioWindows {
			fmt.Fprintf(b, "      - expr: %s\n        eval_time: %s\n        exp_samples:\n", s.record(promDuration(prof.scaled(d))), promDuration(step*time.Duration(n)))
			fmt.Fprintf(b, "          - labels: '%s{job=%q, grpc_service=%q}'\n            value: %s\n", s.record(promDuration(prof.scaled(d))), testJob, "grpc.health.v1.Health", want[s.name][1])
			fmt.Fprintf(b, "          - labels: '%s{job=%q, grpc_service=%q}'\n            value: %s\n", s.record(promDuration(prof.scaled(d))), testJob, testService, want[s.name][0])
		}
	}
	b.WriteString("\n")
}

// burnTest writes the test of scenario sc for the SLO s.
func (p parsed) burnTest(b *strings.Builder, prof Profile, s sli, sc scenario) error {
	step := prof.scaled(time.Minute)
	steps := []int{sc.history}
	totals := []float64{64}
	bads := []float64{0}
	for _, ph := range sc.phases {
		steps = append(steps, ph.steps)
		totals = append(totals, ph.total)
		bads = append(bads, ph.bad)
	}
	goods := make([]float64, len(totals))
	for i := range totals {
		goods[i] = totals[i] - bads[i]
	}
	fmt.Fprintf(b, "  # %s\n  - name: \"%s %s\"\n", sc.comment, s.name, sc.name)
	fmt.Fprintf(b, "    interval: %s\n", promDuration(step))
	b.WriteString("    input_series:\n")
	switch s.name {
	case "availability":
		series(b, "grpc_server_handled_total", labels(testService, "SayHello", "unary", "grpc_code", "OK"), counter(step, steps, goods))
		series(b, "grpc_server_handled_total", labels(testService, "SayHello", "unary", "grpc_code", "Unavailable"), counter(step, steps, bads))
	case "latency":
		series(b, "grpc_server_handling_seconds_bucket", labels(testService, "SayHello", "unary", "le", decimal(p.latency)), counter(step, steps, goods))
		series(b, "grpc_server_handling_seconds_count", labels(testService, "SayHello", "unary"), counter(step, steps, totals))
	}
	b.WriteString("    alert_rule_test:\n")
	// perStep[i] is the traffic of the increment that ends at step i.
	type rates struct{ total, bad float64 }
	var perStep []rates
	perStep = append(perStep, rates{})
	for i, n := range steps {
		for range n {
			perStep = append(perStep, rates{totals[i], bads[i]})
		}
	}
	ratio := func(end int, w time.Duration) float64 {
		n := int(w / time.Minute)
		var t, bad float64
		// A window longer than the series sees the series.
		for i := max(1, end-n+1); i <= end; i++ {
			t += perStep[i].total
			bad += perStep[i].bad
		}
		return bad / t
	}
	for _, c := range sc.checks {
		end := sc.history + c.after
		if c.comment != "" {
			fmt.Fprintf(b, "      # %s\n", c.comment)
		}
		fmt.Fprintf(b, "      - alertname: %s\n        eval_time: %s\n", s.alert, promDuration(step*time.Duration(end)))
		var firing []string
		for _, w := range windows {
			threshold, _ := new(big.Rat).Mul(rat(w.burnRate), p.budget).Float64()
			long, short := ratio(end, w.long), ratio(end, w.short)
			for _, r := range []float64{long, short} {
				if math.Abs(r-threshold) < threshold*1e-6 {
					return fmt.Errorf("scenario %q: a ratio of %v is too close to the threshold %v to test", sc.name, r, threshold)
				}
			}
			if long > threshold && short > threshold {
				firing = append(firing, p.expAlert(prof, s, w, long))
			}
		}
		if len(firing) == 0 {
			b.WriteString("        exp_alerts: []\n")
			continue
		}
		sort.Strings(firing)
		b.WriteString("        exp_alerts:\n")
		for _, f := range firing {
			b.WriteString(f)
		}
	}
	b.WriteString("\n")
	return nil
}

// expAlert returns the expected alert of window w with the value v.
func (p parsed) expAlert(prof Profile, s sli, w window, v float64) string {
	var b strings.Builder
	long := promDuration(prof.scaled(w.long))
	fmt.Fprintf(&b, "          - exp_labels:\n              severity: %s\n              slo: %s\n              burn_rate: %q\n              window: %s\n              job: %s\n              grpc_service: %s\n",
		w.severity, s.name, w.burnRate, long, testJob, testService)
	desc, summary := p.annotations(prof, s, w)
	value := fmt.Sprintf("%.4g%%", v*100)
	fmt.Fprintf(&b, "            exp_annotations:\n              summary: %s\n              description: %s\n",
		quote(strings.ReplaceAll(summary, "{{ $labels.grpc_service }}", testService)),
		quote(strings.NewReplacer("{{ $value | humanizePercentage }}", value, "{{ $labels.grpc_service }}", testService, "{{ $labels.job }}", testJob).Replace(desc)))
	return b.String()
}
