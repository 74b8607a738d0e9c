package core

import (
	"math/bits"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// The values every call of a method writes (started, messages, in flight,
// handled OK, the handling-time histogram) are striped: each series keeps
// them in several cache lines, a call picks one, and a scrape sums them.
// With one shared line, two cores calling one method would pass it back
// and forth on every write, and a second core made calls no cheaper.
// Sums of counters are exact, and each stripe only grows, so the sums are
// monotonic too.

// maxStripes bounds the memory striping costs per series.
const maxStripes = 16

// stripeCount returns how many stripes a recorder's series get: four per
// processor, as a power of two, so that goroutines on different cores
// seldom share one (8 on 2 CPUs, maxStripes from 3 up), and one where
// nothing runs in parallel.
func stripeCount() int { return stripesFor(max(runtime.GOMAXPROCS(0), runtime.NumCPU())) }

// stripesFor is stripeCount for n processors.
func stripesFor(n int) int {
	if n <= 1 {
		return 1
	}
	return min(maxStripes, 1<<bits.Len(uint(4*n-1)))
}

// pickStripe returns one of 1<<(64-shift) stripes for the calling
// goroutine: a hash of its stack address, which costs a nanosecond where
// a per-processor index would need the runtime's internals and a
// sync.Pool or random number costs ten or more. A goroutine keeps its
// stripe while its stack stays put, and goroutines have distinct stacks.
// It is a hint only: any stripe gives exact sums.
func pickStripe(shift uint) int {
	var anchor byte
	// Stacks are at least 2 KiB apart; Fibonacci hashing spreads
	// neighbours over the top bits.
	h := uint64(uintptr(unsafe.Pointer(&anchor))>>11) * 0x9e3779b97f4a7c15
	return int(h >> shift)
}

// stripeShift is pickStripe's shift for n stripes, a power of two.
func stripeShift(n int) uint { return uint(64 - bits.TrailingZeros(uint(n))) }

// hotCells are the counters of one stripe of a series, one cache line,
// which also says whose and which stripe it is.
type hotCells struct {
	started, received, sent, inFlight atomic.Int64
	// ok counts handled calls with code OK, which the code series of OK
	// adds to its own count.
	ok     atomic.Int64
	s      *series
	stripe int32
	// recvOn and sentOn copy the series', so that a message is counted
	// from this line alone.
	recvOn, sentOn bool
	_              [64 - 6*8 - 4 - 2]byte
}

// sumHot adds up one counter over the stripes.
func sumHot(h []hotCells, f func(*hotCells) *atomic.Int64) int64 {
	var n int64
	for i := range h {
		n += f(&h[i]).Load()
	}
	return n
}

// hotCells must fill one cache line exactly.
var (
	_ [64 - unsafe.Sizeof(hotCells{})]byte
	_ [unsafe.Sizeof(hotCells{}) - 64]byte
)
