package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/seed-db7adb15/grpcprom"
	"github.com/seed-db7adb15/grpcprom/connectprom"
	pb "github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld"
	"github.com/seed-db7adb15/grpcprom/connectprom/internal/helloworld/helloworldconnect"
)

// run serves the handler and the metrics, and drives client traffic until
// ctx ends. ready, if set, is told the listening addresses.
func run(ctx context.Context, cfg config, ready func(addr, metrics string)) error {
	reg := prometheus.NewRegistry()
	sm := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(), grpcprom.WithInFlightGauge())
	cm := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram(), grpcprom.WithClientStreamRecvHistogram(),
		grpcprom.WithClientStreamSendHistogram(), grpcprom.WithInFlightGauge())
	reg.MustRegister(sm, cm, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// The handler: connect.WithRecover outside the metrics interceptor, so
	// that a panic is recorded as Internal and answered as Internal.
	path, h := helloworldconnect.NewGreeterHandler(greeter{},
		connect.WithRecover(func(context.Context, connect.Spec, http.Header, any) error {
			return connect.NewError(connect.CodeInternal, errors.New("internal error"))
		}),
		connect.WithInterceptors(connectprom.ServerInterceptor(sm)))
	connectprom.InitializeServer(sm, connectprom.Services(pb.File_helloworld_proto)...)
	connectprom.InitializeClient(cm, connectprom.Services(pb.File_helloworld_proto)...)
	mux := http.NewServeMux()
	mux.Handle(path, h)
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: mux, Protocols: protocols, ReadHeaderTimeout: 10 * time.Second}

	metricsMux := http.NewServeMux()
	metricsMux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	msrv := &http.Server{Handler: metricsMux, ReadHeaderTimeout: 10 * time.Second}

	lis, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	mlis, err := net.Listen("tcp", cfg.metricsAddr)
	if err != nil {
		_ = lis.Close()
		return fmt.Errorf("listen on %s: %w", cfg.metricsAddr, err)
	}
	go func() { _ = srv.Serve(lis) }()
	go func() { _ = msrv.Serve(mlis) }()
	if ready != nil {
		ready(lis.Addr().String(), mlis.Addr().String())
	}

	cp := new(http.Protocols)
	cp.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: cp}
	client := helloworldconnect.NewGreeterClient(&http.Client{Transport: tr}, "http://"+lis.Addr().String(),
		connect.WithGRPC(), connect.WithInterceptors(connectprom.ClientInterceptor(cm)))
	traffic(ctx, client, cfg.interval)

	tr.CloseIdleConnections()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(shutdown), msrv.Shutdown(shutdown))
}
