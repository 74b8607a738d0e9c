package grpcprom

import (
	"fmt"
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
		{"", unknownName, unknownName, false},
		{"/", unknownName, unknownName, false},
		{"//M", unknownName, unknownName, false},
		{"/Svc/", unknownName, unknownName, false},
		{"Svc/M", unknownName, unknownName, false},
		{"/Svc/M/extra", unknownName, unknownName, false},
		{"/Svc", unknownName, unknownName, false},
		{"/Svc/\xff", unknownName, unknownName, false},
		{"/" + strings.Repeat("s", MaxMethodNameLength) + "/M", unknownName, unknownName, false},
	}
	for _, c := range cases {
		s, m, ok := splitMethod(c.in)
		if s != c.service || m != c.method || ok != c.ok {
			t.Errorf("splitMethod(%q) = %q, %q, %v; want %q, %q, %v", c.in, s, m, ok, c.service, c.method, c.ok)
		}
	}
}

func FuzzSplitMethod(f *testing.F) {
	for _, s := range []string{"/helloworld.Greeter/SayHello", "", "/", "//", "/a/b/c", "/\xff/x", "a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, m, ok := splitMethod(in)
		if !ok {
			if s != unknownName || m != unknownName {
				t.Fatalf("rejected %q but returned %q, %q", in, s, m)
			}
			return
		}
		if "/"+s+"/"+m != in {
			t.Fatalf("splitMethod(%q) = %q, %q: does not rebuild the name", in, s, m)
		}
		if s == "" || m == "" || strings.Contains(m, "/") || !utf8.ValidString(s+m) || len(in) > MaxMethodNameLength {
			t.Fatalf("splitMethod(%q) accepted a bad name: %q, %q", in, s, m)
		}
	})
}

// TestFloodKeepsCacheBounded checks the memory bound directly: however
// many names arrive, the cache keeps at most the limit.
func TestFloodKeepsCacheBounded(t *testing.T) {
	r := newRecorder(&config{side: serverSide, methodLimit: 50})
	for i := range 100_000 {
		c := r.begin(t.Context(), fmt.Sprintf("/flood.S%d/M", i), rpcType(i%int(numRPCTypes)))
		c.end(0)
	}
	if n := len(r.cache.methods); n != 50 {
		t.Errorf("cache keeps %d method names, want 50", n)
	}
	n := 0
	for _, m := range r.cache.m.Load() {
		n += len(m)
	}
	if n > 50 {
		t.Errorf("cache keeps %d series, want at most 50", n)
	}
}
