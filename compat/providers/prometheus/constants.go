package prometheus

// grpcType describes all types of grpc connection.
type grpcType string

// The values of the grpc_type label, one per kind of RPC.
const (
	Unary        grpcType = "unary"
	ClientStream grpcType = "client_stream"
	ServerStream grpcType = "server_stream"
	BidiStream   grpcType = "bidi_stream"
)

// Kind tells a client's metrics from a server's.
type Kind string

// The two kinds of metrics.
const (
	KindClient Kind = "client"
	KindServer Kind = "server"
)
