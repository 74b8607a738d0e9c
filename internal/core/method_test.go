package core

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitMethod(t *testing.T) {
	cases := []struct {
		in, service, method string
		ok                  bool
	}{
		{"/helloworld.Greeter/SayHello", "helloworld.Greeter", "SayHello", true},
		{"/Svc/M", "Svc", "M", true},
		{"", UnknownName, UnknownName, false},
		{"/", UnknownName, UnknownName, false},
		{"//M", UnknownName, UnknownName, false},
		{"/Svc/", UnknownName, UnknownName, false},
		{"Svc/M", UnknownName, UnknownName, false},
		{"/Svc/M/extra", UnknownName, UnknownName, false},
		{"/Svc", UnknownName, UnknownName, false},
		{"/Svc/\xff", UnknownName, UnknownName, false},
		{"/" + strings.Repeat("s", MaxMethodNameLength) + "/M", UnknownName, UnknownName, false},
	}
	for _, c := range cases {
		s, m, ok := SplitMethod(c.in)
		if s != c.service || m != c.method || ok != c.ok {
			t.Errorf("SplitMethod(%q) = %q, %q, %v; want %q, %q, %v", c.in, s, m, ok, c.service, c.method, c.ok)
		}
	}
}

func FuzzSplitMethod(f *testing.F) {
	for _, s := range []string{"/helloworld.Greeter/SayHello", "", "/", "//", "/a/b/c", "/\xff/x", "a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, m, ok := SplitMethod(in)
		if !ok {
			if s != UnknownName || m != UnknownName {
				t.Fatalf("rejected %q but returned %q, %q", in, s, m)
			}
			return
		}
		if "/"+s+"/"+m != in {
			t.Fatalf("SplitMethod(%q) = %q, %q: does not rebuild the name", in, s, m)
		}
		if s == "" || m == "" || strings.Contains(m, "/") || !utf8.ValidString(s+m) || len(in) > MaxMethodNameLength {
			t.Fatalf("SplitMethod(%q) accepted a bad name: %q, %q", in, s, m)
		}
	})
}
