package grpcprom_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
	"google.golang.org/protobuf/proto"
)

// histogram returns a histogram series' count and sum.
func histogram(t *testing.T, reg prometheus.Gatherer, name, typ, method string) (uint64, float64) {
	t.Helper()
	for _, m := range metricsOf(t, reg, name) {
		if name+labelString(m.GetLabel(), "") == key(name, typ, method) {
			h := m.GetHistogram()
			return h.GetSampleCount(), h.GetSampleSum()
		}
	}
	t.Fatalf("no series %s", key(name, typ, method))
	return 0, 0
}

func TestMessageSizes(t *testing.T) {
	reg, e := fullPair(t, frontEnds[1])
	names := []string{"a", strings.Repeat("b", 100), strings.Repeat("c", 5000)}
	bs, err := e.client.SayHelloBidiStream(context.Background())
	if err != nil {
		t.Fatalf("bidi: %v", err)
	}
	var reqBytes, replyBytes float64
	for _, n := range names {
		req := &pb.HelloRequest{Name: n}
		reqBytes += float64(proto.Size(req))
		if err := bs.Send(req); err != nil {
			t.Fatalf("Send: %v", err)
		}
		reply, err := bs.Recv()
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		replyBytes += float64(proto.Size(reply))
	}
	_ = bs.CloseSend()
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatalf("final Recv: %v", err)
	}
	for _, c := range []struct {
		name string
		sum  float64
	}{
		{"grpc_client_msg_sent_size_bytes", reqBytes},
		{"grpc_server_msg_received_size_bytes", reqBytes},
		{"grpc_server_msg_sent_size_bytes", replyBytes},
		{"grpc_client_msg_received_size_bytes", replyBytes},
	} {
		eventually(t, c.name, func() bool {
			n, _ := histogram(t, reg, c.name, "bidi_stream", "SayHelloBidiStream")
			return n == 3
		})
		n, sum := histogram(t, reg, c.name, "bidi_stream", "SayHelloBidiStream")
		if n != 3 || sum != c.sum {
			t.Errorf("%s: count %d, sum %g; want 3, %g", c.name, n, sum, c.sum)
		}
	}
}
