package core

import "google.golang.org/grpc/codes"

// RPCType is the grpc_type label: which sides of the RPC stream.
type RPCType uint8

// The four kinds of RPC.
const (
	Unary RPCType = iota
	ClientStream
	ServerStream
	BidiStream
	NumTypes
)

// TypeOf returns the type of an RPC from whether each side streams.
func TypeOf(clientStreams, serverStreams bool) RPCType {
	switch {
	case clientStreams && serverStreams:
		return BidiStream
	case clientStreams:
		return ClientStream
	case serverStreams:
		return ServerStream
	default:
		return Unary
	}
}

// StreamsRequests reports whether the client of t sends a stream.
func (t RPCType) StreamsRequests() bool { return t == ClientStream || t == BidiStream }

// StreamsResponses reports whether the server of t sends a stream.
func (t RPCType) StreamsResponses() bool { return t == ServerStream || t == BidiStream }

// Values selects the spelling of label values.
type Values uint8

const (
	// GoValues are go-grpc-prometheus's: unary, NotFound.
	GoValues Values = iota
	// JavaValues are java-grpc-prometheus's and the Python libraries':
	// UNARY, NOT_FOUND.
	JavaValues
	numValues
)

// NumCodes is the number of status codes gRPC defines.
const NumCodes = 17

// TypeValues is the grpc_type value of each RPC type in each spelling.
var TypeValues = [numValues][NumTypes]string{
	GoValues:   {"unary", "client_stream", "server_stream", "bidi_stream"},
	JavaValues: {"UNARY", "CLIENT_STREAMING", "SERVER_STREAMING", "BIDI_STREAMING"},
}

// CodeValues is the code label value of each status code in each spelling.
var CodeValues = [numValues][NumCodes]string{
	GoValues: {
		"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
		"AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
		"Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss",
		"Unauthenticated",
	},
	JavaValues: {
		"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
		"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
		"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
		"UNAUTHENTICATED",
	},
}

// ClampCode maps codes outside gRPC's 17, which a peer can send, to
// Unknown so that they cannot add series.
func ClampCode(c codes.Code) codes.Code {
	if c >= NumCodes {
		return codes.Unknown
	}
	return c
}

// UnknownName is the grpc_service and grpc_method value of the catch-all
// series.
const UnknownName = "unknown"

// PythonBuckets are prometheus_client's default histogram buckets, which
// the Python libraries' legacy histograms use.
var PythonBuckets = []float64{.005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5, 10}
