package grpcprom

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// numCodes is the number of status codes gRPC defines.
const numCodes = 17

// grpcStatus is implemented by the errors of the status package and by any
// error that carries a gRPC status.
type grpcStatus interface {
	GRPCStatus() *status.Status
}

// codeOf returns the status code an RPC that ended with err is recorded
// with. It finds a status anywhere in err's wrap chain, maps context
// errors to Canceled and DeadlineExceeded, and anything else to Unknown.
// Unlike status.Code it does not allocate.
func codeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	if c, ok := statusCode(err); ok {
		return clampCode(c)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	}
	return codes.Unknown
}

func statusCode(err error) (codes.Code, bool) {
	for err != nil {
		if s, ok := err.(grpcStatus); ok {
			if st := s.GRPCStatus(); st != nil {
				return st.Code(), true
			}
			return codes.Unknown, true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if c, ok := statusCode(e); ok {
					return c, true
				}
			}
			return 0, false
		default:
			return 0, false
		}
	}
	return 0, false
}

// clampCode maps codes outside gRPC's 17, which a peer can send, to
// Unknown so that they cannot add series.
func clampCode(c codes.Code) codes.Code {
	if c >= numCodes {
		return codes.Unknown
	}
	return c
}
