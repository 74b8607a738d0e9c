package grpcprom_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	pb "github.com/seed-db7adb15/grpcprom/examples/helloworld/helloworld"
)

// rawH2 is a bare HTTP/2 client. grpc-go's client refuses to send header
// values with bytes 0x80-0xFF, but HTTP/2 allows them and grpc-go servers
// pass them on, so hostile callers are tested with this.
type rawH2 struct {
	conn   net.Conn
	fr     *http2.Framer
	hbuf   bytes.Buffer
	enc    *hpack.Encoder
	dec    *hpack.Decoder
	nextID uint32
}

func dialRawH2(t *testing.T, addr string) *rawH2 {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	c := &rawH2{conn: conn, fr: http2.NewFramer(conn, conn), nextID: 1}
	c.enc = hpack.NewEncoder(&c.hbuf)
	c.dec = hpack.NewDecoder(4096, nil)
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatalf("preface: %v", err)
	}
	if err := c.fr.WriteSettings(); err != nil {
		t.Fatalf("settings: %v", err)
	}
	return c
}

// sayHello sends one SayHello with the extra header fields and returns the
// grpc-status of the answer.
func (c *rawH2) sayHello(headers map[string]string) (string, error) {
	id := c.nextID
	c.nextID += 2
	c.hbuf.Reset()
	fields := []hpack.HeaderField{
		{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"},
		{Name: ":path", Value: "/helloworld.Greeter/SayHello"}, {Name: ":authority", Value: "test"},
		{Name: "content-type", Value: "application/grpc"}, {Name: "te", Value: "trailers"},
	}
	for k, v := range headers {
		fields = append(fields, hpack.HeaderField{Name: k, Value: v})
	}
	for _, f := range fields {
		if err := c.enc.WriteField(f); err != nil {
			return "", fmt.Errorf("encoding headers: %w", err)
		}
	}
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.hbuf.Bytes(), EndHeaders: true}); err != nil {
		return "", fmt.Errorf("writing headers: %w", err)
	}
	msg, err := proto.Marshal(&pb.HelloRequest{Name: "ok"})
	if err != nil {
		return "", fmt.Errorf("marshal: %w", err)
	}
	frame := make([]byte, 5+len(msg))
	binary.BigEndian.PutUint32(frame[1:5], uint32(len(msg)))
	copy(frame[5:], msg)
	if err := c.fr.WriteData(id, true, frame); err != nil {
		return "", fmt.Errorf("writing data: %w", err)
	}
	return c.readStatus(id)
}

// readStatus reads frames until stream id ends and returns its grpc-status.
func (c *rawH2) readStatus(id uint32) (string, error) {
	status := ""
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			return "", fmt.Errorf("reading frame: %w", err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if err := c.fr.WriteSettingsAck(); err != nil {
					return "", fmt.Errorf("settings ack: %w", err)
				}
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				if err := c.fr.WritePing(true, f.Data); err != nil {
					return "", fmt.Errorf("ping ack: %w", err)
				}
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == id {
				return "", fmt.Errorf("stream %d reset: %v", id, f.ErrCode)
			}
		case *http2.GoAwayFrame:
			return "", fmt.Errorf("server sent GOAWAY: %v", f.ErrCode)
		case *http2.HeadersFrame:
			hfs, err := c.dec.DecodeFull(f.HeaderBlockFragment())
			if err != nil {
				return "", fmt.Errorf("decoding headers: %w", err)
			}
			for _, hf := range hfs {
				if hf.Name == "grpc-status" {
					status = hf.Value
				}
			}
			if f.StreamID == id && f.StreamEnded() {
				return status, nil
			}
		case *http2.DataFrame:
			if f.StreamID == id && f.StreamEnded() {
				return status, nil
			}
		}
	}
}
