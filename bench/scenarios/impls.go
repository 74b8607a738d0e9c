// Package scenarios holds the benchmark scenarios shared by the go test
// benchmarks and the compare command, and the table of implementations they
// run against.
package scenarios

import (
	"context"

	ggmprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	ggp "github.com/grpc-ecosystem/go-grpc-prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/seed-db7adb15/grpcprom"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

// Server is one implementation's server side: the interceptors the direct
// scenarios call and the options that install it on a real server.
type Server struct {
	Unary   grpc.UnaryServerInterceptor
	Stream  grpc.StreamServerInterceptor
	Options []grpc.ServerOption
}

// Client is one implementation's client side: the interceptors the direct
// scenarios call and the options that install it on a real connection.
type Client struct {
	Unary   grpc.UnaryClientInterceptor
	Stream  grpc.StreamClientInterceptor
	Options []grpc.DialOption
}

// Impl is an implementation under test. Server and Client build fresh
// metrics on every call and register them with reg.
type Impl struct {
	Name   string
	Server func(reg prometheus.Registerer) Server
	Client func(reg prometheus.Registerer) Client
}

// Names of the implementations.
const (
	Ours      = "ours"
	OursStats = "ours-stats"
	GGP       = "go-grpc-prometheus"
	GGM       = "go-grpc-middleware"
	NoMetrics = "none"
)

// Impls lists every implementation, in the order results are shown. "none"
// installs nothing and gives the cost of the harness or of gRPC itself.
//
// An implementation that is a stats handler is built with [StatsServer] and
// [StatsClient], which give it interceptors that feed it the events gRPC
// would, so that it runs in the direct scenarios too; for example:
//
//	{
//		Name: "ours-stats",
//		Server: func(reg prometheus.Registerer) Server {
//			m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
//			reg.MustRegister(m)
//			return StatsServer(m.StatsHandler())
//		},
//		Client: ...,
//	},
var Impls = []Impl{
	{
		Name: Ours,
		Server: func(reg prometheus.Registerer) Server {
			m := oursServer(reg)
			return InterceptorServer(m.UnaryServerInterceptor(), m.StreamServerInterceptor())
		},
		Client: func(reg prometheus.Registerer) Client {
			m := oursClient(reg)
			return InterceptorClient(m.UnaryClientInterceptor(), m.StreamClientInterceptor())
		},
	},
	{
		Name:   OursStats,
		Server: func(reg prometheus.Registerer) Server { return StatsServer(oursServer(reg).StatsHandler()) },
		Client: func(reg prometheus.Registerer) Client { return StatsClient(oursClient(reg).StatsHandler()) },
	},
	{
		Name: GGP,
		Server: func(reg prometheus.Registerer) Server {
			m := ggp.NewServerMetrics()
			m.EnableHandlingTimeHistogram()
			reg.MustRegister(m)
			return InterceptorServer(m.UnaryServerInterceptor(), m.StreamServerInterceptor())
		},
		Client: func(reg prometheus.Registerer) Client {
			// v1.2.0 has no stream send/recv histograms.
			m := ggp.NewClientMetrics()
			m.EnableClientHandlingTimeHistogram()
			reg.MustRegister(m)
			return InterceptorClient(m.UnaryClientInterceptor(), m.StreamClientInterceptor())
		},
	},
	{
		Name: GGM,
		Server: func(reg prometheus.Registerer) Server {
			m := ggmprom.NewServerMetrics(ggmprom.WithServerHandlingTimeHistogram())
			reg.MustRegister(m)
			return InterceptorServer(m.UnaryServerInterceptor(), m.StreamServerInterceptor())
		},
		Client: func(reg prometheus.Registerer) Client {
			m := ggmprom.NewClientMetrics(
				ggmprom.WithClientHandlingTimeHistogram(),
				ggmprom.WithClientStreamRecvHistogram(),
				ggmprom.WithClientStreamSendHistogram(),
			)
			reg.MustRegister(m)
			return InterceptorClient(m.UnaryClientInterceptor(), m.StreamClientInterceptor())
		},
	},
	{
		Name: NoMetrics,
		Server: func(prometheus.Registerer) Server {
			return Server{
				Unary: func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
					return h(ctx, req)
				},
				Stream: func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
					return h(srv, ss)
				},
			}
		},
		Client: func(prometheus.Registerer) Client {
			return Client{
				Unary: func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, inv grpc.UnaryInvoker, opts ...grpc.CallOption) error {
					return inv(ctx, method, req, reply, cc, opts...)
				},
				Stream: func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, s grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
					return s(ctx, desc, cc, method, opts...)
				},
			}
		},
	},
}

// Lookup returns the implementation called name.
func Lookup(name string) (Impl, bool) {
	for _, i := range Impls {
		if i.Name == name {
			return i, true
		}
	}
	return Impl{}, false
}

// InterceptorServer is the server side of an interceptor implementation.
func InterceptorServer(u grpc.UnaryServerInterceptor, s grpc.StreamServerInterceptor) Server {
	return Server{
		Unary:   u,
		Stream:  s,
		Options: []grpc.ServerOption{grpc.ChainUnaryInterceptor(u), grpc.ChainStreamInterceptor(s)},
	}
}

// InterceptorClient is the client side of an interceptor implementation.
func InterceptorClient(u grpc.UnaryClientInterceptor, s grpc.StreamClientInterceptor) Client {
	return Client{
		Unary:   u,
		Stream:  s,
		Options: []grpc.DialOption{grpc.WithChainUnaryInterceptor(u), grpc.WithChainStreamInterceptor(s)},
	}
}

// StatsServer is the server side of a stats handler implementation.
func StatsServer(h stats.Handler) Server {
	return Server{
		Unary:   statsUnaryServer(h),
		Stream:  statsStreamServer(h),
		Options: []grpc.ServerOption{grpc.StatsHandler(h)},
	}
}

// StatsClient is the client side of a stats handler implementation.
func StatsClient(h stats.Handler) Client {
	return Client{
		Unary:   statsUnaryClient(h),
		Stream:  statsStreamClient(h),
		Options: []grpc.DialOption{grpc.WithStatsHandler(h)},
	}
}

// oursServer and oursClient build our metrics with every histogram on.
func oursServer(reg prometheus.Registerer) *grpcprom.ServerMetrics {
	m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	reg.MustRegister(m)
	return m
}

func oursClient(reg prometheus.Registerer) *grpcprom.ClientMetrics {
	m := grpcprom.NewClientMetrics(
		grpcprom.WithClientHandlingTimeHistogram(),
		grpcprom.WithClientStreamRecvHistogram(),
		grpcprom.WithClientStreamSendHistogram(),
	)
	reg.MustRegister(m)
	return m
}
