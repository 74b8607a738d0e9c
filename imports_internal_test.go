package grpcprom

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLibraryImports keeps the promise that the library itself imports
// only the standard library, grpc, client_golang and its own packages.
func TestLibraryImports(t *testing.T) {
	var files []string
	for _, dir := range []string{".", "internal/core", "internal/grpcfront", "compat/grpc_prometheus", "compat/providers/prometheus"} {
		matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matches...)
	}
	// client_model and protobuf come with client_golang (and grpc): the
	// core writes its own counters in client_golang's data model.
	allowed := []string{"google.golang.org/grpc", "github.com/prometheus/client_golang/", "github.com/seed-db7adb15/grpcprom/",
		"github.com/prometheus/client_model/go", "google.golang.org/protobuf/types/known/timestamppb"}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if !strings.Contains(first, ".") {
				continue // standard library
			}
			ok := false
			for _, a := range allowed {
				ok = ok || path == strings.TrimSuffix(a, "/") || strings.HasPrefix(path, a)
			}
			if !ok {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
