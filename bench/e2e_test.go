package bench

import (
	"testing"

	"github.com/seed-db7adb15/grpcprom/bench/scenarios"
)

// BenchmarkE2EUnary measures whole SayHello calls over an in-memory
// connection, server and client instrumented by the same implementation;
// "none" is gRPC alone.
func BenchmarkE2EUnary(b *testing.B) { run(b, scenarios.E2EUnary) }
