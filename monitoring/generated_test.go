package monitoring

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-db7adb15/grpcprom/monitoring/slo"
)

// TestGeneratedFilesUpToDate checks that every file the SLO generator
// writes is committed as the generator writes it with the shipped spec.
func TestGeneratedFilesUpToDate(t *testing.T) {
	files, err := slo.Generate(slo.Default, os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 9 {
		t.Fatalf("the generator wrote %d files, want at least 9", len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.FromSlash(name))
		if err != nil {
			t.Errorf("%s: %v; run make slo", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output; run make slo", name)
		}
	}
}
