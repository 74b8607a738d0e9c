package grpc_prometheus

// grpcType is the value of the grpc_type label, as in go-grpc-prometheus.
type grpcType string

// The grpc_type label values: which sides of an RPC stream.
const (
	Unary        grpcType = "unary"
	ClientStream grpcType = "client_stream"
	ServerStream grpcType = "server_stream"
	BidiStream   grpcType = "bidi_stream"
)
