package bench

import (
	"slices"

	"github.com/seed-db7adb15/grpcprom/bench/differential"
)

// knownDifference is a place where a peer records something other than
// what gRPC did, which the differential test expects: in each of steps,
// each of series is gathered differently by grpcprom and by the peer. The
// README's "Switching" section lists the same differences.
type knownDifference struct {
	peer   string
	steps  []string
	series []differential.Difference
	// reason is what gRPC did, and what the peer records instead.
	reason string
}

// Services in series keys, on the test service or on the
// unregistered service the script calls.
const (
	greeter = "helloworld.Greeter"
	missing = "helloworld.Missing"
)

// differ is a Difference: series is gathered as ours by grpcprom and as
// theirs by the peer.
func differ(series, ours, theirs string) differential.Difference {
	return differential.Difference{Series: series, Ours: ours, Theirs: theirs}
}

// unaryFailures are the steps whose unary call fails.
var unaryFailures = []string{
	"unary InvalidArgument", "unary NotFound", "unary PermissionDenied", "unary Unavailable", "unary Internal",
	"unary wrapped status", "unary plain error", "unary client deadline", "unary server deadline",
	"unary canceled", "unary panic",
}

var (
	sayHello        = differential.Key("grpc_client_msg_received_total", greeter, "SayHello", "unary")
	missingReceived = differential.Key("grpc_client_msg_received_total", missing, "Call", "unary")
)

// Both peers: a panicking handler is never recorded as handled.
func panics(peer string) []knownDifference {
	const reason = "the RPC ended (the client got Internal, which a recovery interceptor such as go-grpc-middleware's sends by default), " +
		"but the panic unwinds past the peer's bookkeeping, so it never counts the RPC handled; grpcprom records Internal and lets the panic go on"
	return []knownDifference{{
		peer:  peer,
		steps: []string{"unary panic"},
		series: []differential.Difference{
			differ(differential.Key("grpc_server_handled_total", greeter, "SayHello", "unary", "Internal"), "1", "-"),
			differ(differential.Key("grpc_server_handling_seconds", greeter, "SayHello", "unary"), "count 1", "-"),
		},
		reason: reason,
	}, {
		peer:  peer,
		steps: []string{"bidi stream panic"},
		series: []differential.Difference{
			differ(differential.Key("grpc_server_handled_total", greeter, "SayHelloBidiStream", "bidi_stream", "Internal"), "1", "-"),
			differ(differential.Key("grpc_server_handling_seconds", greeter, "SayHelloBidiStream", "bidi_stream"), "count 1", "-"),
		},
		reason: reason,
	}}
}

// unaryHistograms: go-grpc-middleware observes the stream message
// histograms of unary calls, n per call in steps.
func unaryHistograms(service, method string, n string, steps ...string) knownDifference {
	return knownDifference{
		peer:  peerV2,
		steps: steps,
		series: []differential.Difference{
			differ(differential.Key("grpc_client_msg_send_handling_seconds", service, method, "unary"), "-", "count "+n),
			differ(differential.Key("grpc_client_msg_recv_handling_seconds", service, method, "unary"), "-", "count "+n),
		},
		reason: "unary calls have no stream messages to time, but go-grpc-middleware observes its stream send/receive histograms " +
			"for them too (the time before invoking, and the whole call)",
	}
}

// Both peers: reading a server stream again after io.EOF.
func readAfterEOF(peer string) knownDifference {
	return knownDifference{
		peer:  peer,
		steps: []string{"server stream read again after EOF"},
		series: []differential.Difference{
			differ(differential.Key("grpc_client_handled_total", greeter, "SayHelloUnaryStream", "server_stream", "OK"), "1", "2"),
			differ(differential.Key("grpc_client_handling_seconds", greeter, "SayHelloUnaryStream", "server_stream"), "count 1", "count 2"),
		},
		reason: "one RPC ended once, with OK; gRPC's RecvMsg returns io.EOF again on every later call, and the peer counts each io.EOF as another handled RPC",
	}
}

// Both peers: a stream the client cancels and stops reading.
func abandoned(peer string) knownDifference {
	return knownDifference{
		peer:  peer,
		steps: []string{"bidi stream canceled and abandoned"},
		series: []differential.Difference{
			differ(differential.Key("grpc_client_handled_total", greeter, "SayHelloBidiStream", "bidi_stream", "Canceled"), "1", "-"),
			differ(differential.Key("grpc_client_handling_seconds", greeter, "SayHelloBidiStream", "bidi_stream"), "count 1", "-"),
		},
		reason: "the client canceled the stream and gRPC finished it with Canceled (it calls the stream's OnFinish callbacks); " +
			"the peer counts a client stream only from what RecvMsg returns, and the client never called it again",
	}
}

var knownDifferences = slices.Concat(panics(peerV1), panics(peerV2), []knownDifference{
	{
		peer:   peerV1,
		steps:  []string{"unary OK"},
		series: []differential.Difference{differ(sayHello, "2", "-")},
		reason: "both calls got their response, but go-grpc-prometheus counts a unary response only when the call fails (its `if err != nil` is inverted)",
	},
	{
		peer:   peerV1,
		steps:  unaryFailures,
		series: []differential.Difference{differ(sayHello, "-", "1")},
		reason: "the call failed and no response message arrived, but go-grpc-prometheus counts one (its `if err != nil` is inverted)",
	},
	{
		peer:   peerV1,
		steps:  []string{"unregistered method", "unregistered method, unknown service handler"},
		series: []differential.Difference{differ(missingReceived, "-", "1")},
		reason: "the call failed with Unimplemented and no response message arrived, but go-grpc-prometheus counts one (its `if err != nil` is inverted)",
	},
	{
		peer:  peerV1,
		steps: []string{"unary canceled"},
		series: []differential.Difference{
			differ(differential.Key("grpc_server_handled_total", greeter, "SayHello", "unary", "Canceled"), "1", "-"),
			differ(differential.Key("grpc_server_handled_total", greeter, "SayHello", "unary", "Unknown"), "-", "1"),
		},
		reason: "the handler returned context.Canceled, which gRPC's server turns into Canceled (status.FromContextError); go-grpc-prometheus records Unknown",
	},
	{
		peer:  peerV1,
		steps: []string{"unary server deadline"},
		series: []differential.Difference{
			differ(differential.Key("grpc_server_handled_total", greeter, "SayHello", "unary", "DeadlineExceeded"), "1", "-"),
			differ(differential.Key("grpc_server_handled_total", greeter, "SayHello", "unary", "Unknown"), "-", "1"),
		},
		reason: "the handler returned a wrapped context.DeadlineExceeded, which gRPC's server sends as DeadlineExceeded (status.FromContextError); go-grpc-prometheus records Unknown",
	},
	{
		peer:  peerV1,
		steps: []string{"server stream server deadline"},
		series: []differential.Difference{
			differ(differential.Key("grpc_server_handled_total", greeter, "SayHelloUnaryStream", "server_stream", "DeadlineExceeded"), "1", "-"),
			differ(differential.Key("grpc_server_handled_total", greeter, "SayHelloUnaryStream", "server_stream", "Unknown"), "-", "1"),
		},
		reason: "the handler returned a wrapped context.DeadlineExceeded, which gRPC's server sends as DeadlineExceeded (status.FromContextError); go-grpc-prometheus records Unknown",
	},
	{
		peer:  peerV1,
		steps: []string{"bidi stream canceled, then read", "bidi stream canceled and abandoned"},
		series: []differential.Difference{
			differ(differential.Key("grpc_server_handled_total", greeter, "SayHelloBidiStream", "bidi_stream", "Canceled"), "1", "-"),
			differ(differential.Key("grpc_server_handled_total", greeter, "SayHelloBidiStream", "bidi_stream", "Unknown"), "-", "1"),
		},
		reason: "the handler returned context.Canceled, which gRPC's server turns into Canceled (status.FromContextError); go-grpc-prometheus records Unknown",
	},
	{
		peer:  peerV1,
		steps: []string{"client stream OK"},
		series: []differential.Difference{
			differ(differential.Key("grpc_client_handled_total", greeter, "SayHelloStreamUnary", "client_stream", "OK"), "1", "-"),
			differ(differential.Key("grpc_client_handling_seconds", greeter, "SayHelloStreamUnary", "client_stream"), "count 1", "-"),
		},
		reason: "CloseAndRecv got the response and the OK status, but go-grpc-prometheus ends a stream only when RecvMsg returns io.EOF or an error, " +
			"and CloseAndRecv's one RecvMsg returns the response (a failing client stream is counted)",
	},
	readAfterEOF(peerV1),
	abandoned(peerV1),

	unaryHistograms(greeter, "SayHello", "2", "unary OK"),
	unaryHistograms(greeter, "SayHello", "1", unaryFailures...),
	unaryHistograms(missing, "Call", "1", "unregistered method", "unregistered method, unknown service handler"),
	{
		peer:  peerV2,
		steps: []string{"client stream read again after CloseAndRecv"},
		series: []differential.Difference{
			differ(differential.Key("grpc_client_handled_total", greeter, "SayHelloStreamUnary", "client_stream", "Unknown"), "-", "1"),
			differ(differential.Key("grpc_client_handling_seconds", greeter, "SayHelloStreamUnary", "client_stream"), "count 1", "count 2"),
		},
		reason: "the RPC ended once, with OK; interceptors v2.3.4 end a client stream on every RecvMsg, " +
			"so the extra read's io.EOF counts the RPC again, as Unknown",
	},
	readAfterEOF(peerV2),
	abandoned(peerV2),
})
