package connectprom

import (
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/seed-db7adb15/grpcprom"
	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// InitializeServer creates the server series of every method of services
// at zero, as grpcprom's ServerMetrics.InitializeMetrics does for a grpc-go
// server: started, messages, handled for all 17 codes, and the enabled
// histograms, so that rates and alerts work before the first call. Pass
// the services the handlers serve, from their generated code:
//
//	connectprom.InitializeServer(sm, pb.File_helloworld_proto.Services().ByName("Greeter"))
//
// or every service of a file with [Services]. Afterwards, the recorder
// gives series only to the methods initialized so far; connect's handlers
// answer unknown procedures with 404 before any interceptor runs, so this
// matters only for handlers built by hand.
func InitializeServer(sm *grpcprom.ServerMetrics, services ...protoreflect.ServiceDescriptor) {
	r := recorderOf("InitializeServer", sm)
	initialize(r, services)
	r.Freeze()
}

// InitializeClient creates the client series of every method of services
// at zero, as grpcprom's ClientMetrics.InitializeMetrics does.
func InitializeClient(cm *grpcprom.ClientMetrics, services ...protoreflect.ServiceDescriptor) {
	initialize(recorderOf("InitializeClient", cm), services)
}

func initialize(r *core.Recorder, services []protoreflect.ServiceDescriptor) {
	for _, sd := range services {
		if sd == nil {
			continue
		}
		methods := sd.Methods()
		for i := 0; i < methods.Len(); i++ {
			md := methods.Get(i)
			r.InitializeMethod("/"+string(sd.FullName())+"/"+string(md.Name()), core.TypeOf(md.IsStreamingClient(), md.IsStreamingServer()))
		}
	}
}

// Services lists the services the files declare, for [InitializeServer]
// and [InitializeClient]:
//
//	connectprom.InitializeServer(sm, connectprom.Services(pb.File_helloworld_proto)...)
func Services(files ...protoreflect.FileDescriptor) []protoreflect.ServiceDescriptor {
	var out []protoreflect.ServiceDescriptor
	for _, fd := range files {
		if fd == nil {
			continue
		}
		ss := fd.Services()
		for i := 0; i < ss.Len(); i++ {
			out = append(out, ss.Get(i))
		}
	}
	return out
}
