package core

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// extraLabel is an ExtraLabel with the set of values it has admitted.
type extraLabel struct {
	ExtraLabel
	seen *valueSet
}

// extraValues fills vals with the sanitized, admitted value of each extra
// label for the RPC in ctx.
func (r *Recorder) extraValues(ctx context.Context, src LabelSource, vals []string) {
	for i := range r.extra {
		l := &r.extra[i]
		var v string
		switch {
		case l.FromContext != nil:
			v = l.FromContext(ctx)
		case src != nil:
			v = src.LabelValue(ctx, l.Key)
		}
		vals[i] = l.seen.admit(SanitizeLabelValue(v), r.cfg.LabelValueLimit)
	}
}

// SanitizeLabelValue makes a caller-chosen value safe for a label: valid
// UTF-8 and at most MaxLabelValueLength bytes, cut at a character
// boundary.
func SanitizeLabelValue(v string) string {
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
