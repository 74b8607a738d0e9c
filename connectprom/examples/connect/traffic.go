package main

import (
	"context"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect"

	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
	"github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld/helloworldconnect"
)

// traffic calls the Greeter in rounds of all four RPC types until ctx
// ends, with errors, slow calls, expired deadlines and cancelled streams
// mixed in. Failures are wanted and ignored.
func traffic(ctx context.Context, c helloworldconnect.GreeterClient, interval time.Duration) {
	names := []string{"alice", "bob", "notfound", "carol", "error", "slow", "dave", "panic"}
	for round := 0; ctx.Err() == nil; round++ {
		name := names[round%len(names)]
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = c.SayHello(ctx, connect.NewRequest(&pb.HelloRequest{Name: name})) })
		wg.Go(func() {
			dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			if round%5 == 0 {
				_, _ = c.SayHello(dctx, connect.NewRequest(&pb.HelloRequest{Name: "wait"}))
			}
		})
		wg.Go(func() {
			s, err := c.SayHelloUnaryStream(ctx, connect.NewRequest(&pb.HelloRequest{Name: strconv.Itoa(1 + round%4)}))
			if err != nil {
				return
			}
			for s.Receive() {
			}
			_ = s.Close()
		})
		wg.Go(func() {
			s := c.SayHelloStreamUnary(ctx)
			for i := 0; i < 3; i++ {
				if s.Send(&pb.HelloRequest{Name: []string{"alice", name}[i%2]}) != nil {
					break
				}
			}
			_, _ = s.CloseAndReceive()
		})
		wg.Go(func() { bidi(ctx, c, round%4 == 0) })
		wg.Wait()
		select {
		case <-ctx.Done():
		case <-time.After(interval):
		}
	}
}

// bidi exchanges a few messages on a bidi stream; with cancel, it cancels
// the stream midway.
func bidi(ctx context.Context, c helloworldconnect.GreeterClient, cancel bool) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	s := c.SayHelloBidiStream(ctx)
	defer func() {
		_ = s.CloseResponse()
		_ = s.CloseRequest()
	}()
	for i := 0; i < 3; i++ {
		if s.Send(&pb.HelloRequest{Name: "bidi"}) != nil {
			return
		}
		if _, err := s.Receive(); err != nil {
			return
		}
		if cancel && i == 1 {
			stop()
			return
		}
	}
	if s.CloseRequest() != nil {
		return
	}
	for {
		if _, err := s.Receive(); err != nil {
			return
		}
	}
}
