package monitoring

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// webhookAlert is an alert of Alertmanager's webhook payload.
type webhookAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// webhook is a webhook receiver that keeps every alert it is sent.
type webhook struct {
	mu     sync.Mutex
	alerts []webhookAlert
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var msg struct {
		Receiver string         `json:"receiver"`
		Alerts   []webhookAlert `json:"alerts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.alerts = append(w.alerts, msg.Alerts...)
	w.mu.Unlock()
}

// find returns the first alert received with every label of want.
func (w *webhook) find(want map[string]string) (webhookAlert, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
next:
	for _, a := range w.alerts {
		for k, v := range want {
			if a.Labels[k] != v {
				continue next
			}
		}
		return a, true
	}
	return webhookAlert{}, false
}

// TestAlertReachesWebhook runs the example with -fault-ratio 0.5, a
// Prometheus with the fast SLO profile, and a real Alertmanager whose
// webhook receiver is this test, and waits for the fast-burn page.
func TestAlertReachesWebhook(t *testing.T) {
	prometheus := requireTool(t, "prometheus")
	alertmanager := requireTool(t, "prometheus-alertmanager")
	tmp := t.TempDir()
	bin := buildExample(t, tmp)
	example, metricsAddr := startExample(t, bin, "helloworld -fault-ratio 0.5", "-fault-ratio", "0.5")

	hook := &webhook{}
	receiver := httptest.NewServer(hook)
	t.Cleanup(receiver.Close)

	amDir := filepath.Join(tmp, "alertmanager")
	if err := os.MkdirAll(amDir, 0o755); err != nil {
		t.Fatal(err)
	}
	amConfig := filepath.Join(amDir, "alertmanager.yml")
	if err := os.WriteFile(amConfig, []byte(fmt.Sprintf(`route:
  receiver: test
  group_by: [alertname, grpc_service, severity]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: %q
        send_resolved: false
`, receiver.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	amAddr := freeAddr(t)
	am := startProcess(t, "alertmanager", alertmanager,
		"--config.file="+amConfig,
		"--storage.path="+filepath.Join(amDir, "data"),
		"--web.listen-address="+amAddr,
		"--cluster.listen-address=",
		"--log.level=warn")
	if err := waitHTTP(t.Context(), am, "http://"+amAddr+"/-/ready", 30*time.Second); err != nil {
		t.Fatalf("wait for Alertmanager: %v", err)
	}

	server, _ := startPrometheus(t, prometheus, filepath.Join(tmp, "prometheus"), "prometheus",
		fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
%s
alerting:
  alertmanagers:
    - static_configs:
        - targets: [%q]
scrape_configs:
%s`, yamlList(absPaths(t, fastFiles), "  "), amAddr, scrapeConfig(job, metricsAddr)))

	want := map[string]string{
		"alertname":    "GrpcServerErrorBudgetBurn",
		"job":          job,
		"grpc_service": "helloworld.Greeter",
		"severity":     "page",
		"slo":          "availability",
		"burn_rate":    "14.4",
		"window":       "1m",
	}
	deadline := time.Now().Add(90 * time.Second)
	var got webhookAlert
	for {
		var ok bool
		if got, ok = hook.find(want); ok {
			break
		}
		for _, p := range []*process{example, am, server} {
			if err := p.exited(); err != nil {
				t.Fatal(err)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no alert with labels %v reached the webhook within 90s", want)
		}
		time.Sleep(250 * time.Millisecond)
	}

	if got.Status != "firing" {
		t.Errorf("status %q, want firing", got.Status)
	}
	if len(got.Labels) != len(want) {
		t.Errorf("labels %v, want exactly %v", got.Labels, want)
	}
	if s, want := got.Annotations["summary"], "helloworld.Greeter burns its availability error budget 14.4 times too fast"; s != want {
		t.Errorf("summary %q, want %q", s, want)
	}
	// The ratio over the last minute varies around the fault ratio.
	desc := regexp.MustCompile(`^([0-9.]+)% ` + regexp.QuoteMeta(
		"of the RPCs handled by helloworld.Greeter (job helloworld) over the last 1m ended with a server error code "+
			"(Unknown, DeadlineExceeded, Unimplemented, Internal, Unavailable, DataLoss), and over the last 5s too. "+
			"The availability objective of 99.9% allows 0.1%: the error budget burns 14.4 times too fast, "+
			"and 1m at this rate spends 2% of the 12h budget.") + `$`)
	m := desc.FindStringSubmatch(got.Annotations["description"])
	if m == nil {
		t.Fatalf("description %q does not match %s", got.Annotations["description"], desc)
	}
	if v, err := strconv.ParseFloat(m[1], 64); err != nil || v < 20 || v > 80 {
		t.Errorf("description gives %s%% of RPCs failing, want about 50%% (-fault-ratio 0.5)", m[1])
	}
	if len(got.Annotations) != 2 {
		t.Errorf("annotations %v, want summary and description", strings.Join(keys(got.Annotations), ", "))
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
