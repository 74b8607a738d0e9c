package monitoring

import (
	"os"
	"os/exec"
	"testing"
)

// requireTool returns the path of the command line tool name (prometheus,
// promtool or prometheus-alertmanager). When it is not installed the test
// is skipped, or fails if REQUIRE_PROMETHEUS=1 is set, as in CI.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	pkg := "prometheus"
	if name == "prometheus-alertmanager" {
		pkg = name
	}
	if os.Getenv("REQUIRE_PROMETHEUS") == "1" {
		t.Fatalf("%s not installed (REQUIRE_PROMETHEUS=1); .ci/run installs Debian's %s package: %v", name, pkg, err)
	}
	t.Skipf("%s not installed; install it with `apt-get install -y %s` "+
		"(set REQUIRE_PROMETHEUS=1 to make this a failure instead of a skip): %v", name, pkg, err)
	return ""
}
