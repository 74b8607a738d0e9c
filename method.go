package grpcprom

import (
	"strings"
	"unicode/utf8"
)

// rpcType is the grpc_type label: which sides of the RPC stream.
type rpcType uint8

const (
	typeUnary rpcType = iota
	typeClientStream
	typeServerStream
	typeBidiStream
	numRPCTypes
)

var rpcTypeNames = [numRPCTypes]string{"unary", "client_stream", "server_stream", "bidi_stream"}

func (t rpcType) String() string { return rpcTypeNames[t] }

func typeOf(clientStream, serverStream bool) rpcType {
	switch {
	case clientStream && serverStream:
		return typeBidiStream
	case clientStream:
		return typeClientStream
	case serverStream:
		return typeServerStream
	default:
		return typeUnary
	}
}

// unknownName is the grpc_service and grpc_method value of the catch-all
// series.
const unknownName = "unknown"

// splitMethod splits "/package.Service/Method" into its service and method.
// It reports false for a name that must not get series of its own: one that
// is malformed, too long or not valid UTF-8.
func splitMethod(fullMethod string) (service, method string, ok bool) {
	if len(fullMethod) > MaxMethodNameLength || !utf8.ValidString(fullMethod) {
		return unknownName, unknownName, false
	}
	rest, found := strings.CutPrefix(fullMethod, "/")
	if !found {
		return unknownName, unknownName, false
	}
	service, method, found = strings.Cut(rest, "/")
	if !found || service == "" || method == "" || strings.IndexByte(method, '/') >= 0 {
		return unknownName, unknownName, false
	}
	return service, method, true
}
