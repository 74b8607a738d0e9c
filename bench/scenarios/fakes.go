package scenarios

import (
	"context"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// fakeServerStream is a server stream whose every call succeeds at once.
type fakeServerStream struct {
	ctx context.Context
}

func (f *fakeServerStream) SetHeader(metadata.MD) error  { return nil }
func (f *fakeServerStream) SendHeader(metadata.MD) error { return nil }
func (f *fakeServerStream) SetTrailer(metadata.MD)       {}
func (f *fakeServerStream) Context() context.Context     { return f.ctx }
func (f *fakeServerStream) SendMsg(any) error            { return nil }
func (f *fakeServerStream) RecvMsg(any) error            { return nil }

// fakeClientStream is a client stream whose calls succeed at once. Once
// eofAfter messages have been received (when eofAfter > 0), RecvMsg returns
// io.EOF and, as gRPC does, calls the OnFinish callbacks given to the
// streamer. One value is reused, stream after stream, by its streamer.
type fakeClientStream struct {
	ctx      context.Context
	eofAfter int
	recvd    int
	onFinish []func(error)
}

func (f *fakeClientStream) Header() (metadata.MD, error) { return nil, nil }
func (f *fakeClientStream) Trailer() metadata.MD         { return nil }
func (f *fakeClientStream) CloseSend() error             { return nil }
func (f *fakeClientStream) Context() context.Context     { return f.ctx }
func (f *fakeClientStream) SendMsg(any) error            { return nil }

func (f *fakeClientStream) RecvMsg(any) error {
	if f.eofAfter > 0 && f.recvd >= f.eofAfter {
		for _, fn := range f.onFinish {
			fn(nil)
		}
		f.onFinish = f.onFinish[:0]
		return io.EOF
	}
	f.recvd++
	return nil
}

// streamer opens f again: it resets it and keeps the OnFinish callbacks.
func (f *fakeClientStream) streamer(ctx context.Context, _ *grpc.StreamDesc, _ *grpc.ClientConn, _ string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	f.ctx = ctx
	f.recvd = 0
	f.onFinish = f.onFinish[:0]
	for _, o := range opts {
		if of, ok := o.(grpc.OnFinishCallOption); ok {
			f.onFinish = append(f.onFinish, of.OnFinish)
		}
	}
	return f, nil
}
