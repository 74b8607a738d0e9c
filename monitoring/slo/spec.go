// Package slo generates the Prometheus rules of grpcprom's service level
// objectives, their promtool tests and the Kubernetes manifests that carry
// them, from a short Spec.
//
// Two SLOs are generated for every gRPC service a server exports:
//
//   - availability: the fraction of RPCs, of every type, that end with a
//     code other than the server error codes (see ErrorCodes);
//   - latency: the fraction of unary RPCs handled within Spec.Latency.
//
// Both are alerted on with the multiwindow, multi-burn-rate alerts of the
// Google SRE workbook (chapter "Alerting on SLOs"): a page when the budget
// burns 14.4 times too fast over 1h and 5m, or 6 times over 6h and 30m; a
// ticket at 3 times over 1d and 2h, or once over 3d and 6h.
package slo

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrorCodes are the codes the availability SLO counts as failures: the
// codes that mean the server failed to do its job. A client error such as
// InvalidArgument or NotFound is a correct answer, and Canceled means the
// caller gave up.
var ErrorCodes = []string{"Unknown", "DeadlineExceeded", "Unimplemented", "Internal", "Unavailable", "DataLoss"}

// Spec is what the SLOs are generated from.
type Spec struct {
	// Objective is the target of both SLOs, in percent, as a decimal
	// number: "99.9" means 99.9% of the RPCs in a 30-day window succeed
	// (availability) and are fast enough (latency).
	Objective string
	// Latency is the latency SLO's threshold in seconds, as a decimal
	// number. It must be a bucket bound of grpc_server_handling_seconds;
	// Validate accepts the bounds of the default buckets,
	// prometheus.DefBuckets.
	Latency string
}

// Default is the Spec of the shipped rules.
var Default = Spec{Objective: "99.9", Latency: "0.25"}

// Profile scales the windows of the rules. Production uses the workbook's
// windows; Fast divides every window by 60 (1h becomes 1m) so that a test
// can watch an alert fire within seconds.
type Profile struct {
	// Name is "production" or "fast".
	Name string
	// Scale divides every window and the 30-day SLO period.
	Scale int
}

// The profiles.
var (
	Production = Profile{Name: "production", Scale: 1}
	Fast       = Profile{Name: "fast", Scale: 60}
)

// period is the time the error budget is spread over.
const period = 30 * 24 * time.Hour

// window is one of the burn-rate alert pairs of the workbook.
type window struct {
	severity    string
	burnRate    string // as a decimal number
	long, short time.Duration
}

var windows = []window{
	{"page", "14.4", time.Hour, 5 * time.Minute},
	{"page", "6", 6 * time.Hour, 30 * time.Minute},
	{"ticket", "3", 24 * time.Hour, 2 * time.Hour},
	{"ticket", "1", 72 * time.Hour, 6 * time.Hour},
}

// ratioWindows are the windows of the recorded ratios, shortest first.
var ratioWindows = []time.Duration{
	5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
	6 * time.Hour, 24 * time.Hour, 72 * time.Hour,
}

// parsed is a validated Spec in exact arithmetic.
type parsed struct {
	objective *big.Rat // percent
	budget    *big.Rat // fraction of RPCs allowed to fail, e.g. 1/1000
	latency   *big.Rat // seconds
	latencyF  float64
}

// Validate reports whether s can be generated.
func (s Spec) Validate() error {
	_, err := s.parse()
	return err
}

func (s Spec) parse() (parsed, error) {
	var p parsed
	obj, ok := new(big.Rat).SetString(s.Objective)
	if !ok || strings.ContainsAny(s.Objective, "/eE") {
		return p, fmt.Errorf("objective %q is not a decimal number", s.Objective)
	}
	hundred := big.NewRat(100, 1)
	if obj.Sign() <= 0 || obj.Cmp(hundred) >= 0 {
		return p, fmt.Errorf("objective %s%% is not between 0 and 100, both excluded", s.Objective)
	}
	lat, ok := new(big.Rat).SetString(s.Latency)
	if !ok || strings.ContainsAny(s.Latency, "/eE") {
		return p, fmt.Errorf("latency %q is not a decimal number of seconds", s.Latency)
	}
	latF, _ := lat.Float64()
	found := false
	for _, b := range prometheus.DefBuckets {
		found = found || b == latF
	}
	if !found {
		return p, fmt.Errorf("latency %ss is not a bound of the default buckets %v: the SLO counts the RPCs in the bucket with that bound", s.Latency, prometheus.DefBuckets)
	}
	p.objective = obj
	p.budget = new(big.Rat).Quo(new(big.Rat).Sub(hundred, obj), hundred)
	p.latency = lat
	p.latencyF = latF
	return p, nil
}

// decimal formats r, which must have a terminating decimal expansion of at
// most 12 places, without trailing zeros.
func decimal(r *big.Rat) string {
	s := r.FloatString(12)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// rat parses a decimal constant of this package.
func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("slo: bad constant " + s)
	}
	return r
}

// scaled returns d divided by the profile's scale.
func (p Profile) scaled(d time.Duration) time.Duration { return d / time.Duration(p.Scale) }

// promDuration formats d the way Prometheus writes durations, in the
// largest unit that divides it: 5m, 1h, 1d, 72m.
func promDuration(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d%u.d == 0 {
			return fmt.Sprintf("%d%s", d/u.d, u.name)
		}
	}
	panic(fmt.Sprintf("slo: window %v is not whole seconds", d))
}

// humanSeconds formats a latency threshold: 250ms, 1s, 2.5s.
func humanSeconds(r *big.Rat) string {
	if r.Cmp(big.NewRat(1, 1)) < 0 {
		return decimal(new(big.Rat).Mul(r, big.NewRat(1000, 1))) + "ms"
	}
	return decimal(r) + "s"
}
