//go:build race

package grpcprom_test

// raceEnabled says whether the race detector is on; it slows each RPC
// about tenfold, so the longest floods shrink under it.
const raceEnabled = true
