package monitoring

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// buildExample builds the helloworld example into dir and returns the
// binary's path.
func buildExample(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "helloworld")
	build := exec.Command("go", "build", "-o", bin, "github.com/seed-db7adb15/grpcprom/examples/helloworld")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build example: %v\n%s", err, out)
	}
	return bin
}

// startExample runs one replica of the example, server and client, on free
// ports with the extra flags, and waits until it serves its metrics. It
// returns the process and its metrics address.
func startExample(t *testing.T, bin, name string, flags ...string) (*process, string) {
	t.Helper()
	grpcAddr, metricsAddr := freeAddr(t), freeAddr(t)
	args := append([]string{"-grpc-addr", grpcAddr, "-metrics-addr", metricsAddr,
		"-interval", "100ms", "-duration", "5m"}, flags...)
	p := startProcess(t, name, bin, args...)
	if err := waitHTTP(t.Context(), p, "http://"+metricsAddr+"/metrics", 30*time.Second); err != nil {
		t.Fatalf("wait for the metrics of %s: %v", name, err)
	}
	return p, metricsAddr
}

// startPrometheus runs the prometheus binary with config, its storage in
// dir, and returns the process and a client of its API.
func startPrometheus(t *testing.T, prometheus, dir, name, config string) (*process, *promAPI) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatalf("write %s configuration: %v", name, err)
	}
	addr := freeAddr(t)
	p := startProcess(t, name, prometheus,
		"--config.file="+path,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	if err := waitHTTP(t.Context(), p, "http://"+addr+"/-/ready", 60*time.Second); err != nil {
		t.Fatalf("wait for %s: %v", name, err)
	}
	return p, newPromAPI(addr)
}

// scrapeConfig returns a scrape configuration of job for targets.
func scrapeConfig(job string, targets ...string) string {
	return fmt.Sprintf("  - job_name: %s\n    static_configs:\n      - targets: [%s]\n", job, quoteList(targets))
}

func quoteList(items []string) string {
	s := ""
	for i, item := range items {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", item)
	}
	return s
}
