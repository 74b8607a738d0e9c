package connectprom

import (
	"context"
	"errors"
	"os"

	"connectrpc.com/connect"
	"google.golang.org/grpc/codes"

	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// codeOf returns the code an RPC that ended with err is recorded with: the
// code connect puts on the wire. connect.CodeOf alone is not enough: a
// handler's bare context error reaches the interceptor unwrapped, and
// connect sends it as Canceled or DeadlineExceeded, not Unknown. Connect's
// codes are gRPC's numerically; codes outside gRPC's 17 become Unknown,
// as they do for grpc-go.
func codeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	var ce *connect.Error
	if errors.As(err, &ce) && ce != nil {
		c := codes.Code(ce.Code())
		if c == codes.OK {
			// An error made with code 0 is a failure to the caller,
			// whatever each protocol writes for it.
			return codes.Unknown
		}
		return core.ClampCode(c)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return codes.DeadlineExceeded
	}
	return codes.Unknown
}

// ctxCode is the code of an RPC that its context ended.
func ctxCode(ctx context.Context) codes.Code {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return codes.DeadlineExceeded
	}
	return codes.Canceled
}

// typeOf maps connect's stream type to grpc_type.
func typeOf(t connect.StreamType) core.RPCType {
	return core.TypeOf(t&connect.StreamTypeClient != 0, t&connect.StreamTypeServer != 0)
}
