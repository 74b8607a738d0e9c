package connectprom

import (
	"fmt"

	"connectrpc.com/connect"

	"github.com/seed-db7adb15/grpcprom"
	"github.com/seed-db7adb15/grpcprom/internal/core"
)

// ServerInterceptor returns an interceptor that records the RPCs of a
// connect-go handler into sm: install it with connect.WithInterceptors on
// the handler. It records the series grpcprom's server interceptors
// record, with the same labels and meaning, whichever of connect's
// protocols carries the RPC. Calls made by a client the interceptor is
// installed on pass through unrecorded.
//
// A handler that panics is recorded with code Internal and the panic goes
// on. connect-go does not recover from panics unless the handler has
// connect.WithRecover; put that option before this interceptor so that it
// sits outside it.
//
// It panics if sm is nil.
func ServerInterceptor(sm *grpcprom.ServerMetrics) connect.Interceptor {
	return &serverInterceptor{r: recorderOf("ServerInterceptor", sm)}
}

// ClientInterceptor returns an interceptor that records the RPCs of a
// connect-go client into cm: install it with connect.WithInterceptors on
// the client. It records the series grpcprom's client interceptors
// record. Handlers the interceptor is installed on pass through
// unrecorded.
//
// A stream is recorded as handled exactly once, at the first of: Receive
// returns the end of the stream (OK) or an error; Send fails other than
// with io.EOF; the stream's context ends, even if the caller never reads
// again; or the caller closes the response before the stream ended
// (Canceled, which is what the server then sees).
//
// It panics if cm is nil.
func ClientInterceptor(cm *grpcprom.ClientMetrics) connect.Interceptor {
	return &clientInterceptor{r: recorderOf("ClientInterceptor", cm)}
}

func recorderOf[M any](fn string, m *M) *core.Recorder {
	var r *core.Recorder
	if m != nil {
		r = core.RecorderOf(m)
	}
	if r == nil {
		panic(fmt.Sprintf("connectprom: %s: nil %T", fn, m))
	}
	return r
}
