// Package kubernetes_test checks the Kubernetes manifests of this
// directory. It is a module of its own so that its YAML parser is not a
// dependency of grpcprom.
package kubernetes_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

// manifests are the files of this directory and the kind each holds.
var manifests = map[string]struct{ apiVersion, kind string }{
	"prometheusrule.yaml":              {"monitoring.coreos.com/v1", "PrometheusRule"},
	"servicemonitor.yaml":              {"monitoring.coreos.com/v1", "ServiceMonitor"},
	"grafana-dashboard-configmap.yaml": {"v1", "ConfigMap"},
}

// ruleFiles are the rules files whose groups the PrometheusRule carries, in
// order.
var ruleFiles = []string{"rules.yml", "alerts.yml", "slo-rules.yml", "slo-alerts.yml"}

// decodeAll returns every YAML document of path.
func decodeAll(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not valid YAML: %v", path, err)
		}
		docs = append(docs, doc)
	}
	return docs
}

// manifest returns the one document of a manifest, checked for its
// apiVersion, kind and name.
func manifest(t *testing.T, file string) map[string]any {
	t.Helper()
	docs := decodeAll(t, file)
	if len(docs) != 1 {
		t.Fatalf("%s has %d documents, want 1", file, len(docs))
	}
	doc := docs[0]
	want := manifests[file]
	if doc["apiVersion"] != want.apiVersion || doc["kind"] != want.kind {
		t.Errorf("%s: apiVersion %v, kind %v; want %s, %s", file, doc["apiVersion"], doc["kind"], want.apiVersion, want.kind)
	}
	meta, _ := doc["metadata"].(map[string]any)
	if name, _ := meta["name"].(string); name == "" {
		t.Errorf("%s has no metadata.name", file)
	}
	return doc
}

func TestEveryManifest(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(manifests) {
		t.Errorf("manifests %v, want %d", files, len(manifests))
	}
	for _, f := range files {
		if _, ok := manifests[f]; !ok {
			t.Errorf("%s is not a known manifest", f)
			continue
		}
		manifest(t, f)
	}
}

// TestPrometheusRuleGroups checks that the PrometheusRule's groups are the
// groups of the rules files, in order and equal in every field.
func TestPrometheusRuleGroups(t *testing.T) {
	doc := manifest(t, "prometheusrule.yaml")
	spec, _ := doc["spec"].(map[string]any)
	got, _ := spec["groups"].([]any)
	var want []any
	for _, f := range ruleFiles {
		docs := decodeAll(t, filepath.Join("..", "prometheus", f))
		if len(docs) != 1 {
			t.Fatalf("%s has %d documents", f, len(docs))
		}
		groups, _ := docs[0]["groups"].([]any)
		if len(groups) == 0 {
			t.Fatalf("%s has no groups", f)
		}
		want = append(want, groups...)
	}
	if len(got) != len(want) {
		t.Fatalf("PrometheusRule has %d groups, the rules files %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("group %d differs:\n got %v\nwant %v", i, got[i], want[i])
		}
	}
}

// TestDashboardConfigMap checks that the ConfigMap carries the dashboard
// and the label kube-prometheus-stack's Grafana sidecar looks for.
func TestDashboardConfigMap(t *testing.T) {
	doc := manifest(t, "grafana-dashboard-configmap.yaml")
	meta, _ := doc["metadata"].(map[string]any)
	labels, _ := meta["labels"].(map[string]any)
	if v, ok := labels["grafana_dashboard"].(string); !ok || v != "1" {
		t.Errorf(`label grafana_dashboard = %#v, want the string "1"`, labels["grafana_dashboard"])
	}
	data, _ := doc["data"].(map[string]any)
	text, _ := data["grpc-dashboard.json"].(string)
	var got, want any
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatalf("the ConfigMap's dashboard is not JSON: %v", err)
	}
	b, err := os.ReadFile(filepath.Join("..", "grafana", "grpc-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the ConfigMap's dashboard differs from grafana/grpc-dashboard.json")
	}
}

// TestServiceMonitor checks what the README says of the ServiceMonitor.
func TestServiceMonitor(t *testing.T) {
	doc := manifest(t, "servicemonitor.yaml")
	spec, _ := doc["spec"].(map[string]any)
	sel, _ := spec["selector"].(map[string]any)
	match, _ := sel["matchLabels"].(map[string]any)
	if match["app.kubernetes.io/name"] != "grpcprom" {
		t.Errorf("selector %v, want app.kubernetes.io/name: grpcprom", sel)
	}
	eps, _ := spec["endpoints"].([]any)
	if len(eps) != 1 {
		t.Fatalf("endpoints %v, want 1", eps)
	}
	ep, _ := eps[0].(map[string]any)
	if ep["port"] != "metrics" || ep["path"] != "/metrics" {
		t.Errorf("endpoint %v, want port metrics, path /metrics", ep)
	}
}
