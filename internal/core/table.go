package core

// Side tells which end of an RPC a metric describes.
type Side uint8

// The two sides.
const (
	Server Side = iota
	Client
)

func (s Side) String() string {
	if s == Client {
		return "client"
	}
	return "server"
}

// Kind is the Prometheus type of a metric.
type Kind uint8

// The metric types the table uses.
const (
	Counter Kind = iota
	Gauge
	Histogram
)

func (k Kind) String() string {
	switch k {
	case Gauge:
		return "gauge"
	case Histogram:
		return "histogram"
	default:
		return "counter"
	}
}

// MetricID names a metric independently of its side and mode.
type MetricID uint8

// The metrics of the table.
const (
	Started MetricID = iota
	Handled
	MsgReceived
	MsgSent
	Handling
	StreamRecv
	StreamSend
	InFlight
	RecvSize
	SentSize
	ExemplarsDropped
	OKWithoutResponse
	Panics
	OpenConns
	ConnsTotal
	NumMetrics
)

// Family tells which recorder a row belongs to: calls, or the attempts a
// client makes for them (gRPC retries a call in several attempts).
type Family uint8

const (
	// Calls are RPCs as the application sees them.
	Calls Family = iota
	// Attempts are the client's attempts, as gRPC's stats handlers see
	// them. WithClientAttemptMetrics turns the family on.
	Attempts
)

// Unit selects the default buckets of a histogram.
type Unit uint8

// The units of histograms.
const (
	NoUnit Unit = iota
	Seconds
	Bytes
)

// Labels says which labels a metric carries besides const labels.
type Labels uint8

const (
	// RPCLabels are grpc_type, grpc_service, grpc_method and any extra
	// labels.
	RPCLabels Labels = iota
	// NoLabels is for metrics about the collector itself.
	NoLabels
)

// Counting restricts, in legacy mode, which RPCs a message counter counts.
type Counting uint8

const (
	// EveryMessage counts every message.
	EveryMessage Counting = iota
	// StreamedRequests counts only messages of RPCs whose client streams,
	// as the Python and Java libraries do.
	StreamedRequests
	// StreamedResponses counts only messages of RPCs whose server streams.
	StreamedResponses
)

// Def is one row of the metric table, the single source of truth for
// names, help texts, types, labels and the option that enables a metric.
// The README's metric reference is checked against it.
type Def struct {
	Side Side
	ID   MetricID
	Name string
	// LegacyName is the name under WithLegacyMetrics; empty means the
	// metric keeps its name there.
	LegacyName string
	Kind       Kind
	Unit       Unit
	Labels     Labels
	// Code means the metric always carries the status code label.
	Code bool
	// CodeOption means the metric carries the code label when
	// WithCodeOnHistograms is given.
	CodeOption bool
	// Legacy means legacy mode turns the metric on whatever the options.
	Legacy bool
	// LegacyCounting is how legacy mode restricts a message counter.
	LegacyCounting Counting
	// StreamsOnly means unary RPCs have no series of the metric.
	StreamsOnly bool
	// Lazy means a method's series appears at the metric's first event,
	// or at zero with InitializeMetrics, rather than with the RPC's.
	Lazy   bool
	Family Family
	// Option is what enables the metric; empty means always on.
	Option string
	Help   string
}

// Table is the metric table.
var Table = []Def{
	{Side: Server, ID: Started, Name: "grpc_server_started_total", Kind: Counter,
		Help: "Total number of RPCs started on the server."},
	{Side: Server, ID: Handled, Name: "grpc_server_handled_total", Kind: Counter, Code: true,
		Help: "Total number of RPCs completed on the server, regardless of success or failure."},
	{Side: Server, ID: MsgReceived, Name: "grpc_server_msg_received_total", Kind: Counter, LegacyCounting: StreamedRequests,
		Help: "Total number of messages received by the server."},
	{Side: Server, ID: MsgSent, Name: "grpc_server_msg_sent_total", Kind: Counter, LegacyCounting: StreamedResponses,
		Help: "Total number of messages sent by the server."},
	{Side: Server, ID: Handling, Name: "grpc_server_handling_seconds", LegacyName: "grpc_server_handled_latency_seconds",
		Kind: Histogram, Unit: Seconds, CodeOption: true, Legacy: true, Option: "WithServerHandlingTimeHistogram",
		Help: "Time from the start of an RPC to its completion on the server, in seconds."},
	{Side: Server, ID: InFlight, Name: "grpc_server_in_flight_rpcs", Kind: Gauge, Option: "WithInFlightGauge",
		Help: "Number of RPCs the server has started and not yet completed."},
	{Side: Server, ID: RecvSize, Name: "grpc_server_msg_received_size_bytes", Kind: Histogram, Unit: Bytes,
		Option: "WithMessageSizeHistogram",
		Help:   "Uncompressed size of each message received by the server, in bytes."},
	{Side: Server, ID: SentSize, Name: "grpc_server_msg_sent_size_bytes", Kind: Histogram, Unit: Bytes,
		Option: "WithMessageSizeHistogram",
		Help:   "Uncompressed size of each message sent by the server, in bytes."},
	{Side: Server, ID: ExemplarsDropped, Name: "grpcprom_server_exemplars_dropped_total", Kind: Counter, Labels: NoLabels,
		Option: "WithExemplarFromContext",
		Help:   "Exemplars dropped because Prometheus would reject them: over 128 runes, invalid UTF-8 or a bad label name."},

	{Side: Server, ID: Panics, Name: "grpc_server_panics_total", Kind: Counter, Lazy: true,
		Help: "Total number of RPCs whose handler panicked on the server; each is also handled with code Internal."},
	{Side: Server, ID: OpenConns, Name: "grpc_server_open_connections", Kind: Gauge, Labels: NoLabels,
		Option: "WithConnectionMetrics",
		Help:   "Number of connections the server has accepted and not yet closed."},
	{Side: Server, ID: ConnsTotal, Name: "grpc_server_connections_total", Kind: Counter, Labels: NoLabels,
		Option: "WithConnectionMetrics",
		Help:   "Total number of connections the server has accepted."},

	{Side: Client, ID: Started, Name: "grpc_client_started_total", Kind: Counter,
		Help: "Total number of RPCs started by the client."},
	{Side: Client, ID: Handled, Name: "grpc_client_handled_total", LegacyName: "grpc_client_completed_total",
		Kind: Counter, Code: true,
		Help: "Total number of RPCs completed by the client, regardless of success or failure."},
	{Side: Client, ID: MsgReceived, Name: "grpc_client_msg_received_total", Kind: Counter, LegacyCounting: StreamedResponses,
		Help: "Total number of messages received by the client."},
	{Side: Client, ID: MsgSent, Name: "grpc_client_msg_sent_total", Kind: Counter, LegacyCounting: StreamedRequests,
		Help: "Total number of messages sent by the client."},
	{Side: Client, ID: Handling, Name: "grpc_client_handling_seconds", LegacyName: "grpc_client_completed_latency_seconds",
		Kind: Histogram, Unit: Seconds, CodeOption: true, Legacy: true, Option: "WithClientHandlingTimeHistogram",
		Help: "Time from the start of an RPC to its completion on the client, in seconds."},
	{Side: Client, ID: StreamRecv, Name: "grpc_client_msg_recv_handling_seconds", Kind: Histogram, Unit: Seconds,
		StreamsOnly: true, Option: "WithClientStreamRecvHistogram",
		Help: "Time each RecvMsg call on a client stream took, in seconds."},
	{Side: Client, ID: StreamSend, Name: "grpc_client_msg_send_handling_seconds", Kind: Histogram, Unit: Seconds,
		StreamsOnly: true, Option: "WithClientStreamSendHistogram",
		Help: "Time each SendMsg call on a client stream took, in seconds."},
	{Side: Client, ID: InFlight, Name: "grpc_client_in_flight_rpcs", Kind: Gauge, Option: "WithInFlightGauge",
		Help: "Number of RPCs the client has started and not yet completed."},
	{Side: Client, ID: RecvSize, Name: "grpc_client_msg_received_size_bytes", Kind: Histogram, Unit: Bytes,
		Option: "WithMessageSizeHistogram",
		Help:   "Uncompressed size of each message received by the client, in bytes."},
	{Side: Client, ID: SentSize, Name: "grpc_client_msg_sent_size_bytes", Kind: Histogram, Unit: Bytes,
		Option: "WithMessageSizeHistogram",
		Help:   "Uncompressed size of each message sent by the client, in bytes."},
	{Side: Client, ID: ExemplarsDropped, Name: "grpcprom_client_exemplars_dropped_total", Kind: Counter, Labels: NoLabels,
		Option: "WithExemplarFromContext",
		Help:   "Exemplars dropped because Prometheus would reject them: over 128 runes, invalid UTF-8 or a bad label name."},
	{Side: Client, ID: OpenConns, Name: "grpc_client_open_connections", Kind: Gauge, Labels: NoLabels,
		Option: "WithConnectionMetrics",
		Help:   "Number of connections the client has established and not yet closed."},
	{Side: Client, ID: ConnsTotal, Name: "grpc_client_connections_total", Kind: Counter, Labels: NoLabels,
		Option: "WithConnectionMetrics",
		Help:   "Total number of connections the client has established."},
	{Side: Client, Family: Attempts, ID: Started, Name: "grpc_client_attempt_started_total", Kind: Counter,
		Help: "Total number of attempts the client started; a retried call makes several."},
	{Side: Client, Family: Attempts, ID: Handled, Name: "grpc_client_attempt_handled_total", Kind: Counter, Code: true,
		Help: "Total number of attempts the client completed, regardless of success or failure."},
	{Side: Client, Family: Attempts, ID: Handling, Name: "grpc_client_attempt_handling_seconds", Kind: Histogram, Unit: Seconds,
		CodeOption: true, Option: "WithClientHandlingTimeHistogram",
		Help: "Time from the start of an attempt to its completion on the client, in seconds."},
	{Side: Client, ID: OKWithoutResponse, Name: "grpcprom_client_ok_without_response_total", Kind: Counter, Labels: NoLabels,
		Option: "StatsHandler",
		Help:   "Unary and client-streaming RPCs gRPC reported to the stats handler as successful although no response arrived; they are recorded with code Unknown."},
}

// NameIn returns the metric's name in the given mode.
func (d Def) NameIn(legacy bool) string {
	if legacy && d.LegacyName != "" {
		return d.LegacyName
	}
	return d.Name
}

// Lookup returns the row of side and id among calls, and false if there
// is none.
func Lookup(side Side, id MetricID) (Def, bool) {
	for _, d := range Table {
		if d.Side == side && d.ID == id && d.Family == Calls {
			return d, true
		}
	}
	return Def{}, false
}
