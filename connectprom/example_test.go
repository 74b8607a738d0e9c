package connectprom_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed-db7adb15/grpcprom"
	"github.com/seed-db7adb15/grpcprom/connectprom"
	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
	"github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld/helloworldconnect"
)

// A connect-go handler and client with grpcprom's metrics.
func Example() {
	reg := prometheus.NewRegistry()
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	cm := grpcprom.NewClientMetrics()
	reg.MustRegister(sm, cm)

	path, handler := helloworldconnect.NewGreeterHandler(connectGreeter{},
		connect.WithInterceptors(connectprom.ServerInterceptor(sm)))
	connectprom.InitializeServer(sm, connectprom.Services(pb.File_helloworld_proto)...)
	mux := http.NewServeMux()
	mux.Handle(path, handler)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	client := helloworldconnect.NewGreeterClient(srv.Client(), srv.URL,
		connect.WithInterceptors(connectprom.ClientInterceptor(cm)))
	_, err := client.SayHello(context.Background(), connect.NewRequest(&pb.HelloRequest{Name: "ok"}))
	fmt.Println("call:", err)
	_, err = client.SayHello(context.Background(), connect.NewRequest(&pb.HelloRequest{Name: "notfound"}))
	fmt.Println("call:", connect.CodeOf(err))

	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "grpc_server_handled_total" && mf.GetName() != "grpc_client_handled_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if v := m.GetCounter().GetValue(); v != 0 {
				l := m.GetLabel() // sorted: grpc_code, grpc_method, grpc_service, grpc_type
				fmt.Println(mf.GetName(), l[3].GetValue(), l[2].GetValue(), l[1].GetValue(), l[0].GetValue(), v)
			}
		}
	}
	// Output:
	// call: <nil>
	// call: not_found
	// grpc_client_handled_total unary helloworld.Greeter SayHello NotFound 1
	// grpc_client_handled_total unary helloworld.Greeter SayHello OK 1
	// grpc_server_handled_total unary helloworld.Greeter SayHello NotFound 1
	// grpc_server_handled_total unary helloworld.Greeter SayHello OK 1
}
