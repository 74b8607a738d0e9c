package grpcprom

// side tells which end of an RPC a metric describes.
type side uint8

const (
	serverSide side = iota
	clientSide
)

func (s side) String() string {
	if s == clientSide {
		return "client"
	}
	return "server"
}

// metricKind is the Prometheus type of a metric.
type metricKind uint8

const (
	kindCounter metricKind = iota
	kindGauge
	kindHistogram
)

func (k metricKind) String() string {
	switch k {
	case kindGauge:
		return "gauge"
	case kindHistogram:
		return "histogram"
	default:
		return "counter"
	}
}

// metricID names a metric independently of its side and mode.
type metricID uint8

const (
	idStarted metricID = iota
	idHandled
	idMsgReceived
	idMsgSent
	idHandling
	idStreamRecv
	idStreamSend
	idInFlight
	idRecvSize
	idSentSize
	numMetricIDs
)

// unit selects the default buckets of a histogram.
type unit uint8

const (
	unitNone unit = iota
	unitSeconds
	unitBytes
)

// metricDef is one row of the metric table, the single source of truth for
// names, help texts, types and labels. The README's metric reference is
// checked against it.
type metricDef struct {
	side side
	id   metricID
	name string
	// legacyName is the name under WithLegacyMetrics; empty means the
	// metric keeps its name in legacy mode.
	legacyName string
	kind       metricKind
	unit       unit
	// code means the metric carries the status code label.
	code bool
	// option is the option that enables the metric; empty means always on.
	option string
	help   string
}

var metricTable = []metricDef{
	{side: serverSide, id: idStarted, name: "grpc_server_started_total", kind: kindCounter,
		help: "Total number of RPCs started on the server."},
	{side: serverSide, id: idHandled, name: "grpc_server_handled_total", kind: kindCounter, code: true,
		help: "Total number of RPCs completed on the server, regardless of success or failure."},
	{side: serverSide, id: idMsgReceived, name: "grpc_server_msg_received_total", kind: kindCounter,
		help: "Total number of messages received by the server."},
	{side: serverSide, id: idMsgSent, name: "grpc_server_msg_sent_total", kind: kindCounter,
		help: "Total number of messages sent by the server."},
	{side: serverSide, id: idHandling, name: "grpc_server_handling_seconds", legacyName: "grpc_server_handled_latency_seconds",
		kind: kindHistogram, unit: unitSeconds, option: "WithServerHandlingTimeHistogram",
		help: "Time from the start of an RPC to its completion on the server, in seconds."},
	{side: serverSide, id: idInFlight, name: "grpc_server_in_flight_rpcs", kind: kindGauge, option: "WithInFlightGauge",
		help: "Number of RPCs the server has started and not yet completed."},
	{side: serverSide, id: idRecvSize, name: "grpc_server_msg_received_size_bytes", kind: kindHistogram, unit: unitBytes,
		option: "WithMessageSizeHistogram",
		help:   "Uncompressed size of each message received by the server, in bytes."},
	{side: serverSide, id: idSentSize, name: "grpc_server_msg_sent_size_bytes", kind: kindHistogram, unit: unitBytes,
		option: "WithMessageSizeHistogram",
		help:   "Uncompressed size of each message sent by the server, in bytes."},

	{side: clientSide, id: idStarted, name: "grpc_client_started_total", kind: kindCounter,
		help: "Total number of RPCs started by the client."},
	{side: clientSide, id: idHandled, name: "grpc_client_handled_total", legacyName: "grpc_client_completed_total",
		kind: kindCounter, code: true,
		help: "Total number of RPCs completed by the client, regardless of success or failure."},
	{side: clientSide, id: idMsgReceived, name: "grpc_client_msg_received_total", kind: kindCounter,
		help: "Total number of messages received by the client."},
	{side: clientSide, id: idMsgSent, name: "grpc_client_msg_sent_total", kind: kindCounter,
		help: "Total number of messages sent by the client."},
	{side: clientSide, id: idHandling, name: "grpc_client_handling_seconds", legacyName: "grpc_client_completed_latency_seconds",
		kind: kindHistogram, unit: unitSeconds, option: "WithClientHandlingTimeHistogram",
		help: "Time from the start of an RPC to its completion on the client, in seconds."},
	{side: clientSide, id: idStreamRecv, name: "grpc_client_msg_recv_handling_seconds", kind: kindHistogram, unit: unitSeconds,
		option: "WithClientStreamRecvHistogram",
		help:   "Time each RecvMsg call on a client stream took, in seconds."},
	{side: clientSide, id: idStreamSend, name: "grpc_client_msg_send_handling_seconds", kind: kindHistogram, unit: unitSeconds,
		option: "WithClientStreamSendHistogram",
		help:   "Time each SendMsg call on a client stream took, in seconds."},
	{side: clientSide, id: idInFlight, name: "grpc_client_in_flight_rpcs", kind: kindGauge, option: "WithInFlightGauge",
		help: "Number of RPCs the client has started and not yet completed."},
	{side: clientSide, id: idRecvSize, name: "grpc_client_msg_received_size_bytes", kind: kindHistogram, unit: unitBytes,
		option: "WithMessageSizeHistogram",
		help:   "Uncompressed size of each message received by the client, in bytes."},
	{side: clientSide, id: idSentSize, name: "grpc_client_msg_sent_size_bytes", kind: kindHistogram, unit: unitBytes,
		option: "WithMessageSizeHistogram",
		help:   "Uncompressed size of each message sent by the client, in bytes."},
}

// nameIn returns the metric's name in the given mode.
func (d metricDef) nameIn(legacy bool) string {
	if legacy && d.legacyName != "" {
		return d.legacyName
	}
	return d.name
}
