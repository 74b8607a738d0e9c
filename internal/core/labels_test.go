package core

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeLabelValue(t *testing.T) {
	cases := map[string]string{
		"":                            "",
		"tenant-a":                    "tenant-a",
		"caf\xe9":                     "caf\uFFFD",
		strings.Repeat("é", 100):      strings.Repeat("é", 64),
		strings.Repeat("x", 200):      strings.Repeat("x", MaxLabelValueLength),
		"a" + strings.Repeat("é", 70): "a" + strings.Repeat("é", 63),
	}
	for in, want := range cases {
		if got := SanitizeLabelValue(in); got != want {
			t.Errorf("SanitizeLabelValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSanitizeLabelValue(f *testing.F) {
	for _, s := range []string{"", "tenant", "\xff\xfe", strings.Repeat("é", 100), "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := SanitizeLabelValue(in)
		if !utf8.ValidString(out) {
			t.Fatalf("SanitizeLabelValue(%q) = %q: not valid UTF-8", in, out)
		}
		if len(out) > MaxLabelValueLength {
			t.Fatalf("SanitizeLabelValue(%q) is %d bytes long", in, len(out))
		}
		if utf8.ValidString(in) && len(in) <= MaxLabelValueLength && out != in {
			t.Fatalf("SanitizeLabelValue changed the safe value %q to %q", in, out)
		}
		if utf8.ValidString(in) && !strings.HasPrefix(in, out) {
			t.Fatalf("SanitizeLabelValue(%q) = %q is not a prefix", in, out)
		}
		if SanitizeLabelValue(out) != out {
			t.Fatalf("SanitizeLabelValue is not idempotent on %q", in)
		}
	})
}

func TestValueSetCaps(t *testing.T) {
	var s valueSet
	for i := range 10 {
		v := strings.Repeat("v", i+1)
		if got := s.admit(v, 5); (i < 5 && got != v) || (i >= 5 && got != OverflowLabelValue) {
			t.Errorf("admit #%d = %q", i, got)
		}
	}
	if got := s.admit("v", 5); got != "v" {
		t.Errorf("admitted value now %q", got)
	}
	if n := len(*s.m.Load()); n != 5 {
		t.Errorf("set holds %d values, want 5", n)
	}
}
