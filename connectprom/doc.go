// Package connectprom records the metrics of grpcprom for connect-go
// (connectrpc.com/connect) handlers and clients: the same
// grpc_server_handled_total family, with the same labels and meaning, as
// the grpc-go interceptors, so that one dashboard covers services built on
// either framework.
//
// Build the collectors with grpcprom and all of its options, register them,
// and install the interceptors with connect.WithInterceptors:
//
//	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
//	reg.MustRegister(sm)
//	path, h := pbconnect.NewGreeterHandler(svc,
//		connect.WithInterceptors(connectprom.ServerInterceptor(sm)))
//	connectprom.InitializeServer(sm, pb.File_helloworld_proto.Services())
//
// An RPC is recorded the same whichever of connect's protocols (gRPC,
// gRPC-Web, Connect) carries it.
package connectprom
