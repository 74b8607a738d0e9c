package core

import (
	"testing"
	"time"
)

func TestSince(t *testing.T) {
	if got := Since(time.Time{}); got != 0 {
		t.Errorf("Since(zero) = %v, want 0", got)
	}
	if got := Since(clockBase.Add(1500 * time.Millisecond)); got != 1500*time.Millisecond {
		t.Errorf("Since(base+1.5s) = %v, want 1.5s", got)
	}
}
