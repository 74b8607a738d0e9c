// Package compatv1 checks compat/grpc_prometheus against grpcprom's own
// interceptors on the differential traffic. It cannot run beside
// go-grpc-prometheus itself (both register on the default registry at
// init), so it compares with the grpcprom row that bench's
// TestDifferential compares with go-grpc-prometheus: equal to that row
// means equal to go-grpc-prometheus but for the differences listed there.
package compatv1

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/seed-db7adb15/grpcprom"
	"github.com/seed-db7adb15/grpcprom/bench/differential"
	compatv1 "github.com/seed-db7adb15/grpcprom/compat/grpc_prometheus"
)

// buildCompatV1 turns on everything go-grpc-prometheus v1.2.0 offers, on
// the drop-in package.
func buildCompatV1(reg prometheus.Registerer) ([]grpc.ServerOption, []grpc.DialOption) {
	sm := compatv1.NewServerMetrics()
	sm.EnableHandlingTimeHistogram()
	cm := compatv1.NewClientMetrics()
	cm.EnableClientHandlingTimeHistogram()
	reg.MustRegister(sm, cm)
	return differential.Interceptors(sm.UnaryServerInterceptor(), sm.StreamServerInterceptor(),
		cm.UnaryClientInterceptor(), cm.StreamClientInterceptor())
}

// buildOurs is bench's grpcprom row for go-grpc-prometheus.
func buildOurs(reg prometheus.Registerer) ([]grpc.ServerOption, []grpc.DialOption) {
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram())
	reg.MustRegister(sm, cm)
	return differential.Interceptors(sm.UnaryServerInterceptor(), sm.StreamServerInterceptor(),
		cm.UnaryClientInterceptor(), cm.StreamClientInterceptor())
}

func TestCompatV1RecordsWhatGrpcpromDoes(t *testing.T) {
	differential.Same(t, buildOurs, buildCompatV1)
}
