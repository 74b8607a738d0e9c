package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// The default traffic is healthy against the shipped SLOs (see
// monitoring/): its failures are codes that are not server errors
// (InvalidArgument, NotFound, Aborted, Canceled, and DeadlineExceeded on
// the client only), but for one panic, an Internal error, every
// panicRounds rounds; and its slow answers stay under the 250 ms latency
// threshold. Only -fault-ratio makes the server fail more.
const (
	// slowEvery is how often, at least, a round asks for a slow answer,
	// so that the latency histograms have something in their upper
	// buckets. Rounds further apart than this all ask for one.
	slowEvery = 1500 * time.Millisecond
	// Every failRounds-th round makes a call that fails with a client
	// error; every deadlineRounds-th round makes a call whose deadline
	// has passed before it is sent, so that only the client sees it;
	// every cancelRounds-th round cancels a stream midway.
	failRounds     = 3
	deadlineRounds = 5
	cancelRounds   = 4
	// Every healthRounds-th round checks the server's health, as a load
	// balancer would; grpcprom leaves these calls out of the metrics.
	healthRounds = 5
	// Round conflictOffset and every conflictRounds-th round after it
	// ask SayHelloUnaryStream for a conflict: its first attempt fails
	// with Aborted and the retry policy retries it once. Aborted is not
	// a server error, and on the stats handler, which records attempts as
	// calls, the client's error ratio for the method stays at 1 in 21.
	conflictRounds = 20
	conflictOffset = 1
	// Round panicOffset and every panicRounds-th round after it make a
	// SayHello handler panic. Every round makes at least 7 server RPCs,
	// so panics are at most 1 in 21000 server RPCs: under 5% of a 99.9%
	// availability budget. At the default interval that is one panic
	// about every 11 minutes, the first within a second of the start.
	panicRounds = 3000
	panicOffset = 2
)

var (
	okNames = []string{"alice", "bob", "carol", "dave", "erin", "frank"}
	// failingNames are the names SayHello rejects with a client error:
	// a correct answer to a bad request, not a server failure.
	failingNames = []string{"error", "notfound"}
)

// traffic calls the Greeter in rounds. Each round makes calls of all four
// types at once, with some calls failing on purpose, and some rounds check
// the server's health.
type traffic struct {
	client   pb.GreeterClient
	health   healthpb.HealthClient
	interval time.Duration
	logger   *slog.Logger

	round    int
	lastSlow time.Time
	// healthy counts the health checks that answered SERVING.
	healthy atomic.Int64
}

func newTraffic(conn grpc.ClientConnInterface, interval time.Duration, logger *slog.Logger) *traffic {
	return &traffic{
		client:   pb.NewGreeterClient(conn),
		health:   healthpb.NewHealthClient(conn),
		interval: interval,
		logger:   logger,
	}
}

// run makes rounds of calls, pausing t.interval between them, until ctx
// ends.
func (t *traffic) run(ctx context.Context) {
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		t.runRound(ctx)
		pause.Reset(t.interval)
		select {
		case <-ctx.Done():
			return
		case <-pause.C:
		}
	}
}

// runRound makes one round of calls and waits for all of them. Failed calls
// are logged at debug level only: most failures are wanted.
func (t *traffic) runRound(ctx context.Context) {
	round := t.round
	t.round++
	var wg sync.WaitGroup
	call := func(what string, f func() error) {
		wg.Go(func() {
			if err := f(); err != nil {
				t.logger.Debug("call failed", "round", round, "call", what, "code", status.Code(err), "err", err)
			}
		})
	}

	for _, name := range t.unaryNames(round) {
		call("SayHello "+name, func() error { return t.sayHello(ctx, name, 0) })
	}
	if round%deadlineRounds == deadlineRounds-1 {
		call("SayHello with an expired deadline", func() error { return t.sayHelloExpired(ctx) })
	}
	if round%healthRounds == 0 {
		call("Health.Check", func() error { return t.checkHealth(ctx) })
	}
	streamName := randomName()
	if round%conflictRounds == conflictOffset {
		streamName = "conflict"
	}
	call("SayHelloUnaryStream "+streamName, func() error { return t.unaryStream(ctx, streamName) })
	call("SayHelloStreamUnary", func() error { return t.streamUnary(ctx, 3+rand.IntN(4)) })
	call("SayHelloBidiStream", func() error { return t.bidiStream(ctx, 3+rand.IntN(4), 0) })
	if round%cancelRounds == cancelRounds-1 {
		call("SayHelloBidiStream cancelled midway", func() error { return t.bidiStream(ctx, 5, 2) })
	}
	wg.Wait()
}

// unaryNames returns the names of one round's SayHello calls: mostly names
// that succeed, one that fails every failRounds-th round, "panic" every
// panicRounds-th round, and "slow" when the last slow call is slowEvery
// ago, and now and then besides.
func (t *traffic) unaryNames(round int) []string {
	names := make([]string, 0, 10)
	for range 4 + rand.IntN(3) {
		names = append(names, randomName())
	}
	if round%failRounds == 0 {
		names = append(names, failingNames[(round/failRounds)%len(failingNames)])
	}
	if round%panicRounds == panicOffset {
		names = append(names, "panic")
	}
	if now := time.Now(); now.Sub(t.lastSlow) >= slowEvery || rand.IntN(8) == 0 {
		names = append(names, "slow")
		t.lastSlow = now
	}
	return names
}

func randomName() string { return okNames[rand.IntN(len(okNames))] }

// sayHello makes a unary call, with the given timeout if it is not zero.
func (t *traffic) sayHello(ctx context.Context, name string, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if _, err := t.client.SayHello(ctx, &pb.HelloRequest{Name: name}); err != nil {
		return fmt.Errorf("SayHello(%q): %w", name, err)
	}
	return nil
}

// sayHelloExpired makes a unary call whose deadline has already passed, as
// a caller whose time budget was spent upstream would: the client fails it
// with DeadlineExceeded without sending it, so the server never sees it.
func (t *traffic) sayHelloExpired(ctx context.Context) error {
	ctx, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Millisecond))
	defer cancel()
	if _, err := t.client.SayHello(ctx, &pb.HelloRequest{Name: randomName()}); err != nil {
		return fmt.Errorf("SayHello with an expired deadline: %w", err)
	}
	return nil
}

// checkHealth asks the standard health service whether the server is
// serving, and counts the answer in t.healthy if it is.
func (t *traffic) checkHealth(ctx context.Context) error {
	resp, err := t.health.Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return fmt.Errorf("Health.Check: %w", err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("Health.Check: status %v", resp.GetStatus())
	}
	t.healthy.Add(1)
	return nil
}

// unaryStream sends one request and reads all replies.
func (t *traffic) unaryStream(ctx context.Context, name string) error {
	stream, err := t.client.SayHelloUnaryStream(ctx, &pb.HelloRequest{Name: name})
	if err != nil {
		return fmt.Errorf("start SayHelloUnaryStream: %w", err)
	}
	for {
		_, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("SayHelloUnaryStream: receive: %w", err)
		}
	}
}

// streamUnary sends n requests and reads the one reply.
func (t *traffic) streamUnary(ctx context.Context, n int) error {
	stream, err := t.client.SayHelloStreamUnary(ctx)
	if err != nil {
		return fmt.Errorf("start SayHelloStreamUnary: %w", err)
	}
	for i := range n {
		err := stream.Send(&pb.HelloRequest{Name: randomName()})
		if err == io.EOF {
			// The server ended the stream; CloseAndRecv returns why.
			break
		}
		if err != nil {
			return fmt.Errorf("SayHelloStreamUnary: send request %d: %w", i+1, err)
		}
	}
	if _, err := stream.CloseAndRecv(); err != nil {
		return fmt.Errorf("SayHelloStreamUnary: receive reply: %w", err)
	}
	return nil
}

// bidiStream sends n requests, reading the reply to each before sending
// the next. If cancelAfter is not zero it cancels the stream after that
// many replies instead, and returns the resulting error.
func (t *traffic) bidiStream(ctx context.Context, n, cancelAfter int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := t.client.SayHelloBidiStream(ctx)
	if err != nil {
		return fmt.Errorf("start SayHelloBidiStream: %w", err)
	}
	for i := range n {
		if i == cancelAfter && cancelAfter > 0 {
			cancel()
			_, err := stream.Recv()
			return fmt.Errorf("SayHelloBidiStream: cancelled after %d replies: %w", i, err)
		}
		if err := exchange(stream, randomName()); err != nil {
			return fmt.Errorf("SayHelloBidiStream: request %d: %w", i+1, err)
		}
	}
	if err := stream.CloseSend(); err != nil {
		return fmt.Errorf("SayHelloBidiStream: close: %w", err)
	}
	if _, err := stream.Recv(); err != io.EOF {
		if err == nil {
			err = errors.New("reply without a request")
		}
		return fmt.Errorf("SayHelloBidiStream: end: %w", err)
	}
	return nil
}

// exchange sends one request on a bidirectional stream and reads its reply.
func exchange(stream grpc.BidiStreamingClient[pb.HelloRequest, pb.HelloReply], name string) error {
	if err := stream.Send(&pb.HelloRequest{Name: name}); err != nil {
		if err == io.EOF {
			// The server ended the stream; Recv returns why.
			if _, rerr := stream.Recv(); rerr != nil {
				err = rerr
			}
		}
		return fmt.Errorf("send: %w", err)
	}
	if _, err := stream.Recv(); err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	return nil
}
