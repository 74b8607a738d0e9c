package monitoring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for concurrent use; a process writes
// its output to it while the test may read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// process is a command started by startProcess.
type process struct {
	name   string
	output *syncBuffer
	done   chan struct{} // closed once the process has exited
	err    error         // result of Wait, set before done is closed
}

// exited returns an error describing how the process ended if it is no
// longer running, and nil if it still runs.
func (p *process) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited early: %v; output:\n%s", p.name, p.err, p.output.String())
	default:
		return nil
	}
}

// startProcess starts path with args, collecting its stdout and stderr.
// The process is killed and waited for when the test ends, and its output
// is logged if the test failed.
func startProcess(t *testing.T, name, path string, args ...string) *process {
	t.Helper()
	p := &process{name: name, output: &syncBuffer{}, done: make(chan struct{})}
	cmd := exec.Command(path, args...)
	cmd.Stdout = p.output
	cmd.Stderr = p.output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("kill %s: %v", name, err)
		}
		<-p.done
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.output.String())
		}
	})
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("close port probe: %v", err)
	}
	return addr
}

// waitHTTP polls url until it answers 200 OK, p exits or timeout passes.
func waitHTTP(ctx context.Context, p *process, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	var lastErr error
	for {
		if err := p.exited(); err != nil {
			return err
		}
		lastErr = get(ctx, client, url)
		if lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %s did not answer within %v: %w", p.name, url, timeout, lastErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// get fetches url and discards the body; any status but 200 is an error.
func get(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
