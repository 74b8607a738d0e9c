package core

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// grpcStatus is implemented by the errors of the status package and by any
// error that carries a gRPC status.
type grpcStatus interface {
	GRPCStatus() *status.Status
}

// CodeOf returns the status code an RPC that ended with err is recorded
// with: the code gRPC's server puts on the wire for a handler that returns
// err. Like status.FromError it finds a status anywhere errors.As would;
// like the server it then maps context errors to Canceled and
// DeadlineExceeded, and anything else to Unknown. Codes outside gRPC's 17
// become Unknown. Unless an error in the chain has an As method, it does
// not allocate.
func CodeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	switch c, found := statusCode(err); found {
	case statusFound:
		return ClampCode(c)
	case statusNil:
		// status.FromError gives up on a nil status; the server then
		// still looks for a context error.
	case statusNeedsAs:
		var gs grpcStatus
		if errors.As(err, &gs) {
			if st := gs.GRPCStatus(); st != nil {
				return ClampCode(st.Code())
			}
		}
	}
	// In status.FromContextError's order: DeadlineExceeded first.
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	}
	return codes.Unknown
}

// statusResult says what statusCode's walk found.
type statusResult uint8

const (
	statusNone    statusResult = iota // no error in the chain carries a status
	statusFound                       // the first carrier has a status
	statusNil                         // the first carrier's status is nil
	statusNeedsAs                     // an As method was met first: only errors.As can tell
)

// statusCode walks err's tree in the order errors.As does, and returns the
// code of the first error that carries a status.
func statusCode(err error) (codes.Code, statusResult) {
	for err != nil {
		if s, ok := err.(grpcStatus); ok {
			if st := s.GRPCStatus(); st != nil {
				return st.Code(), statusFound
			}
			return codes.Unknown, statusNil
		}
		if _, ok := err.(interface{ As(any) bool }); ok {
			return 0, statusNeedsAs
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if c, r := statusCode(e); r != statusNone {
					return c, r
				}
			}
			return 0, statusNone
		default:
			return 0, statusNone
		}
	}
	return 0, statusNone
}
