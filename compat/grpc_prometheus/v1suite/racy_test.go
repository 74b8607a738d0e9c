package v1suite

import (
	"os"
	"testing"
)

// skipRacyWithServer skips a v1 server test that reads server counters
// before the server is done with the RPC it checks, unless
// V1SUITE_RACY=1 is set.
//
// Three tests of go-grpc-prometheus v1.2.0's server_test.go do so:
// TestStreamingIncrementsStarted, TestStreamingIncrementsHandled and
// TestStreamingIncrementsHistograms. Each starts a PingList and reads the
// server's counters without receiving from the stream first (the
// generated client returns once the request is sent), so the counters are
// read while the server handler may not have started or finished. They
// are flaky against v1 itself: in 40 runs (go test -count=40, v1.2.0,
// grpc v1.85.0) TestStreamingIncrementsHistograms failed 23 times,
// TestStreamingIncrementsHandled 17 and TestStreamingIncrementsStarted 18.
// Against this package, with V1SUITE_RACY=1, two sets of 40 runs gave
// 32 and 28, 27 and 25, 20 and 23 failures.
//
// The fourth test the research lists, TestStreamingIncrementsMessageCounts
// (2 of 40 against v1; 8 and 6 of 40 here with the others running), is not
// skipped: its own stream is read to io.EOF, which happens after the
// server recorded it, and it failed only because the un-received streams
// of the three tests above were still being handled by the server. With
// them skipped it is deterministic.
func skipRacyWithServer(t *testing.T) {
	t.Helper()
	if os.Getenv("V1SUITE_RACY") != "1" {
		t.Skip("races with the server, flaky against go-grpc-prometheus v1.2.0 itself; see racy_test.go (V1SUITE_RACY=1 runs it)")
	}
}
