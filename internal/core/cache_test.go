package core

import (
	"fmt"
	"testing"
)

// TestFloodKeepsCacheBounded checks the memory bound directly: however
// many names arrive, the cache keeps at most the limit.
func TestFloodKeepsCacheBounded(t *testing.T) {
	r, err := New(Config{Side: Server, MethodLimit: 50, MethodLimitGiven: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100_000 {
		c := r.Begin(t.Context(), Start{FullMethod: fmt.Sprintf("/flood.S%d/M", i), Type: RPCType(i % int(NumTypes))})
		c.End(0)
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
