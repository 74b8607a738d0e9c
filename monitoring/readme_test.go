package monitoring

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestReadmeListsEveryRule keeps the README's list of rules and alerts in
// step with rules.yml.
func TestReadmeListsEveryRule(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("reading README.md: %v", err)
	}
	n := 0
	for _, file := range append(append([]string{}, recordingFiles...), alertFiles...) {
		n += checkReadmeLists(t, string(readme), file)
	}
	if n < 40 {
		t.Fatalf("found only %d rules", n)
	}
}

// checkReadmeLists checks that the README lists every alert and recording
// rule of a rules file, and returns how many it found.
func checkReadmeLists(t *testing.T, readme, file string) int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("opening %s: %v", file, err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "- alert:"):
			n++
			name := strings.TrimSpace(strings.TrimPrefix(line, "- alert:"))
			if !strings.Contains(readme, "`"+name+"`") {
				t.Errorf("README.md does not list alert %s of %s", name, file)
			}
		case strings.HasPrefix(line, "- record:"):
			n++
			name := strings.TrimSpace(strings.TrimPrefix(line, "- record:"))
			parts := strings.Split(name, ":")
			if len(parts) != 3 {
				t.Errorf("record %s is not level:metric:operations", name)
				continue
			}
			metric := strings.NewReplacer("grpc_server_", "grpc_<side>_", "grpc_client_", "grpc_<side>_").Replace(parts[1])
			if !strings.Contains(readme, metric) || !strings.Contains(readme, parts[2]) {
				t.Errorf("README.md does not list recording rule %s (as %s ... %s)", name, metric, parts[2])
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading %s: %v", file, err)
	}
	return n
}
