package grpcprom_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// nilStatusErr carries a nil status, optionally wrapping a cause.
type nilStatusErr struct{ cause error }

func (e nilStatusErr) Error() string              { return fmt.Sprintf("nil status (%v)", e.cause) }
func (e nilStatusErr) GRPCStatus() *status.Status { return nil }
func (e nilStatusErr) Unwrap() error              { return e.cause }

// typedNilErr is returned as a typed nil: its methods work on a nil
// receiver, as some generated error types' do.
type typedNilErr struct{ code codes.Code }

func (e *typedNilErr) Error() string { return "typed nil" }
func (e *typedNilErr) GRPCStatus() *status.Status {
	if e == nil {
		return nil
	}
	return status.New(e.code, "typed")
}

// typedNilAborted says Aborted even as a nil pointer.
type typedNilAborted struct{}

func (*typedNilAborted) Error() string              { return "typed nil aborted" }
func (*typedNilAborted) GRPCStatus() *status.Status { return status.New(codes.Aborted, "typed nil") }

// okStatusErr is an error whose status says OK.
type okStatusErr struct{}

func (okStatusErr) Error() string              { return "an error that says OK" }
func (okStatusErr) GRPCStatus() *status.Status { return status.New(codes.OK, "") }

// multiError looks like hashicorp/go-multierror's *Error as errors.As
// sees it: an As method over its errors and no Unwrap.
type multiError struct{ errs []error }

func (e *multiError) Error() string { return fmt.Sprint(e.errs) }
func (e *multiError) As(target any) bool {
	for _, err := range e.errs {
		if errors.As(err, target) {
			return true
		}
	}
	return false
}

// multiErr looks like go.uber.org/multierr before v1.9: its errors are
// reachable through Errors(), As and Is, not through Unwrap.
type multiErr struct{ errs []error }

func (e *multiErr) Error() string   { return fmt.Sprint(e.errs) }
func (e *multiErr) Errors() []error { return e.errs }
func (e *multiErr) As(target any) bool {
	for _, err := range e.errs {
		if errors.As(err, target) {
			return true
		}
	}
	return false
}
func (e *multiErr) Is(target error) bool {
	for _, err := range e.errs {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// codeCase is a handler error and what becomes of it: wireOne is the code
// the caller of a unary or client-streaming RPC gets, wireMany that of a
// server or bidi stream, and recorded the code the server records.
type codeCase struct {
	name               string
	err                error
	wireOne, wireMany  codes.Code
	recorded           codes.Code
	recordedDiffersWhy string
}

func same(name string, err error, c codes.Code) codeCase {
	return codeCase{name: name, err: err, wireOne: c, wireMany: c, recorded: c}
}

var codeCases = []codeCase{
	// A peer can send any number; the series stay bounded.
	{name: "code 99", err: status.Error(99, "out of range"), wireOne: 99, wireMany: 99, recorded: codes.Unknown,
		recordedDiffersWhy: "codes outside gRPC's 17 are recorded Unknown"},
	same("nil status wrapped", fmt.Errorf("op: %w", nilStatusErr{}), codes.Unknown),
	// gRPC gives up on a nil status, then still looks for a context error.
	same("nil status wrapping Canceled", fmt.Errorf("op: %w", nilStatusErr{cause: context.Canceled}), codes.Canceled),
	same("join of two statuses", errors.Join(status.Error(codes.NotFound, "a"), status.Error(codes.AlreadyExists, "b")), codes.NotFound),
	same("join, context error first", errors.Join(context.Canceled, status.Error(codes.Aborted, "a")), codes.Aborted),
	same("join, status first", errors.Join(status.Error(codes.Aborted, "a"), context.DeadlineExceeded), codes.Aborted),
	same("join of a plain and a context error", errors.Join(errors.New("plain"), context.DeadlineExceeded), codes.DeadlineExceeded),
	same("typed nil with a nil status", error((*typedNilErr)(nil)), codes.Unknown),
	same("typed nil with a status", error((*typedNilAborted)(nil)), codes.Aborted),
	same("typed nil wrapped", fmt.Errorf("op: %w", (*typedNilAborted)(nil)), codes.Aborted),
	same("wrapped Canceled", fmt.Errorf("op: %w", context.Canceled), codes.Canceled),
	same("wrapped DeadlineExceeded", fmt.Errorf("op: %w", fmt.Errorf("deeper: %w", context.DeadlineExceeded)), codes.DeadlineExceeded),
	// The server writes grpc-status 0. A unary or client-streaming caller
	// then has no response, which gRPC's client turns into Internal.
	{name: "status OK", err: okStatusErr{}, wireOne: codes.Internal, wireMany: codes.OK, recorded: codes.OK,
		recordedDiffersWhy: "the server sent OK; gRPC's client rejects an OK without a response"},
	same("go-multierror look-alike", &multiError{[]error{errors.New("plain"), status.Error(codes.ResourceExhausted, "quota")}}, codes.ResourceExhausted),
	same("go-multierror look-alike, context error only", &multiError{[]error{context.Canceled}}, codes.Unknown),
	same("multierr look-alike", &multiErr{[]error{context.Canceled, status.Error(codes.PermissionDenied, "no")}}, codes.PermissionDenied),
	same("multierr look-alike, context error only", &multiErr{[]error{errors.New("plain"), context.Canceled}}, codes.Canceled),
}

// caseService fails every method with the error its "code-case" metadata
// names, before reading any message.
type caseService struct {
	pb.UnimplementedGreeterServer
	cases map[string]error
}

func (s caseService) errFor(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("code-case"); len(v) == 1 {
		return s.cases[v[0]]
	}
	return status.Error(codes.InvalidArgument, "no code-case")
}

func (s caseService) SayHello(ctx context.Context, _ *pb.HelloRequest) (*pb.HelloReply, error) {
	return nil, s.errFor(ctx)
}

func (s caseService) SayHelloUnaryStream(_ *pb.HelloRequest, ss pb.Greeter_SayHelloUnaryStreamServer) error {
	return s.errFor(ss.Context())
}

func (s caseService) SayHelloStreamUnary(ss pb.Greeter_SayHelloStreamUnaryServer) error {
	return s.errFor(ss.Context())
}

func (s caseService) SayHelloBidiStream(ss pb.Greeter_SayHelloBidiStreamServer) error {
	return s.errFor(ss.Context())
}

// callEveryType makes one RPC of each type and returns the codes the
// caller got, in methods' order. The streams send no message, so that no
// SendMsg races the server's early end.
func callEveryType(t *testing.T, ctx context.Context, c pb.GreeterClient) [4]codes.Code {
	t.Helper()
	var got [4]codes.Code
	_, err := c.SayHello(ctx, &pb.HelloRequest{})
	got[0] = status.Code(err)
	ss, err := c.SayHelloUnaryStream(ctx, &pb.HelloRequest{})
	if err != nil {
		t.Fatalf("server stream: %v", err)
	}
	got[1] = recvToEnd(ss)
	cs, err := c.SayHelloStreamUnary(ctx)
	if err != nil {
		t.Fatalf("client stream: %v", err)
	}
	_, err = cs.CloseAndRecv()
	got[2] = status.Code(err)
	bs, err := c.SayHelloBidiStream(ctx)
	if err != nil {
		t.Fatalf("bidi: %v", err)
	}
	if err := bs.CloseSend(); err != nil {
		t.Fatalf("CloseSend: %v", err)
	}
	got[3] = recvToEnd(bs)
	return got
}

// runCodeCases runs cases through both front ends and checks, for every
// RPC type, the code the caller got and the codes both sides recorded.
func runCodeCases(t *testing.T, cases []codeCase) {
	svc := caseService{cases: map[string]error{}}
	for _, c := range cases {
		svc.cases[c.name] = c.err
	}
	for _, fe := range frontEnds {
		for _, c := range cases {
			t.Run(fe.name+"/"+c.name, func(t *testing.T) {
				r := newRig(t, fe)
				e := r.start(t, svc, nil)
				ctx := metadata.AppendToOutgoingContext(context.Background(), "code-case", c.name)
				got := callEveryType(t, ctx, e.client)
				ts := settled(t, r.reg)
				for i, m := range methods {
					wire := c.wireMany
					if m.typ == "unary" || m.typ == "client_stream" {
						wire = c.wireOne
					}
					if got[i] != wire {
						t.Errorf("%s: caller got %v, want %v", m.method, got[i], wire)
					}
					client := wire
					if client > codes.Unauthenticated {
						client = codes.Unknown
					}
					assertCodes(t, ts, "client", m.typ, m.method, codeCount(client, 1))
					assertCodes(t, ts, "server", m.typ, m.method, codeCount(c.recorded, 1))
					if client != c.recorded && c.recordedDiffersWhy == "" {
						t.Errorf("%s: server records %v, client %v", m.method, c.recorded, client)
					}
				}
			})
		}
	}
}

// TestCodeOnTheWire pins, for errors whose status only errors.As or a
// second look finds, the code gRPC sends and the codes both sides record.
func TestCodeOnTheWire(t *testing.T) {
	runCodeCases(t, codeCases)
}

// TestCodeOfJoinedContextErrors: gRPC's server checks DeadlineExceeded
// before Canceled (status.FromContextError), so an error that wraps both
// goes on the wire as DeadlineExceeded.
func TestCodeOfJoinedContextErrors(t *testing.T) {
	runCodeCases(t, []codeCase{
		same("join of Canceled and DeadlineExceeded", errors.Join(context.Canceled, context.DeadlineExceeded), codes.DeadlineExceeded),
	})
}
