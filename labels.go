package grpcprom

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"google.golang.org/grpc/metadata"
)

// MaxLabelValueLength is the longest value, in bytes, an extra label keeps;
// longer values are cut at a character boundary.
const MaxLabelValueLength = 128

// DefaultLabelValueLimit is the number of distinct values each extra label
// records before further values fold into [OverflowLabelValue].
const DefaultLabelValueLimit = 100

// OverflowLabelValue stands for every value of an extra label past its
// limit of distinct values.
const OverflowLabelValue = "__overflow__"

// extraLabel is a label beyond type, service and method, whose value each
// RPC supplies: from a metadata key or from a function of the context.
type extraLabel struct {
	name   string
	mdKey  string
	fromFn func(context.Context) string
	// seen is set by the recorder, so that collectors never share it.
	seen *valueSet
}

// WithLabelsFromMetadata adds one label per metadata key, named after the
// key in lower case with "-" replaced by "_" ("x-tenant" becomes
// x_tenant). The server reads the incoming metadata, the client the
// outgoing metadata; a missing key gives "".
//
// The values come from callers, so they are made safe: invalid UTF-8 is
// replaced, values are cut to [MaxLabelValueLength] bytes, and each label
// records at most [DefaultLabelValueLimit] distinct values (see
// [WithLabelValueLimit]) before folding the rest into
// [OverflowLabelValue]. It panics if a key cannot become a label name.
func WithLabelsFromMetadata(keys ...string) Option {
	labels := make([]extraLabel, 0, len(keys))
	for _, k := range keys {
		name := strings.ReplaceAll(strings.ToLower(k), "-", "_")
		if !validLabelName(name) {
			panic(fmt.Sprintf("grpcprom: WithLabelsFromMetadata: metadata key %q does not make a valid label name (%q)", k, name))
		}
		labels = append(labels, extraLabel{name: name, mdKey: strings.ToLower(k)})
	}
	return func(c *config) { c.extra = append(c.extra, labels...) }
}

// WithContextLabel adds a label named name whose value value computes from
// each RPC's context, for example a tenant an authentication interceptor
// stored there. Each label has its own function, so names and values
// cannot disagree. Values get the same protection as
// [WithLabelsFromMetadata]'s. It panics if name is not a valid label name.
func WithContextLabel(name string, value func(context.Context) string) Option {
	if !validLabelName(name) {
		panic(fmt.Sprintf("grpcprom: WithContextLabel: %q is not a valid label name", name))
	}
	if value == nil {
		panic(fmt.Sprintf("grpcprom: WithContextLabel(%q): the value function is nil", name))
	}
	return func(c *config) { c.extra = append(c.extra, extraLabel{name: name, fromFn: value}) }
}

// WithLabelValueLimit sets how many distinct values each extra label
// records before folding further values into [OverflowLabelValue]. The
// default is [DefaultLabelValueLimit]. It panics if limit is less than 1.
func WithLabelValueLimit(limit int) Option {
	if limit < 1 {
		panic(fmt.Sprintf("grpcprom: WithLabelValueLimit(%d): the limit must be at least 1", limit))
	}
	return func(c *config) { c.labelValueLimit = limit }
}

// validateExtraLabels checks that extra label names clash with nothing.
func validateExtraLabels(extra []extraLabel, constLabels map[string]string) error {
	seen := map[string]bool{}
	for _, name := range reservedLabels {
		seen[name] = true
	}
	for name := range constLabels {
		seen[name] = true
	}
	for _, l := range extra {
		if seen[l.name] {
			return fmt.Errorf("label %q is defined twice or is set by grpcprom itself", l.name)
		}
		seen[l.name] = true
	}
	return nil
}

// extraValues fills vals with the sanitized, admitted value of each extra
// label for the RPC in ctx.
func (r *recorder) extraValues(ctx context.Context, vals []string) {
	for i := range r.extra {
		l := &r.extra[i]
		var v string
		switch {
		case l.fromFn != nil:
			v = l.fromFn(ctx)
		case r.side == serverSide:
			v = first(metadata.ValueFromIncomingContext(ctx, l.mdKey))
		default:
			v = first(metadata.ValueFromOutgoingContext(ctx, l.mdKey))
		}
		vals[i] = l.seen.admit(sanitizeLabelValue(v), r.labelValueLimit)
	}
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// sanitizeLabelValue makes a caller-chosen value safe for a label: valid
// UTF-8 and at most MaxLabelValueLength bytes.
func sanitizeLabelValue(v string) string {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	if len(v) <= MaxLabelValueLength {
		return v
	}
	cut := MaxLabelValueLength
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut]
}

// valueSet admits up to a limit of distinct values. Lookups are lock-free;
// admitting copies the set, which happens at most limit times.
type valueSet struct {
	m  atomic.Pointer[map[string]struct{}]
	mu sync.Mutex
}

// admit returns v if it is, or can become, one of the set's values, and
// OverflowLabelValue otherwise.
func (s *valueSet) admit(v string, limit int) string {
	if m := s.m.Load(); m != nil {
		if _, ok := (*m)[v]; ok {
			return v
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.m.Load()
	var n int
	if old != nil {
		if _, ok := (*old)[v]; ok {
			return v
		}
		n = len(*old)
	}
	if n >= limit {
		return OverflowLabelValue
	}
	v = strings.Clone(v)
	m := make(map[string]struct{}, n+1)
	if old != nil {
		for k := range *old {
			m[k] = struct{}{}
		}
	}
	m[v] = struct{}{}
	s.m.Store(&m)
	return v
}
