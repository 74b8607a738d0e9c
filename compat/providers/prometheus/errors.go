package prometheus

import (
	"google.golang.org/grpc/status"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// FromError returns the status of err, found as status.FromError finds it,
// also when err wraps it. An error without a status gets Canceled or
// DeadlineExceeded when it wraps that context error, and Unknown
// otherwise. A nil error gives a nil status, whose Code is OK.
//
// The interceptors record the code of this status, except that a code
// outside gRPC's 17 is recorded as Unknown.
func FromError(err error) *status.Status {
	if s, ok := status.FromError(err); ok {
		return s
	}
	return status.New(core.CodeOf(err), err.Error())
}
