package prometheus_test

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// declarations renders the exported declarations of the package's own
// (non-test) files as go doc prints them: one line per function, method,
// type and constant, keyed by name ("Type.Method" for methods).
func declarations(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	print := func(n any) string {
		var b bytes.Buffer
		if err := printer.Fprint(&b, fset, n); err != nil {
			t.Fatalf("printing: %v", err)
		}
		return strings.Join(strings.Fields(b.String()), " ")
	}
	out := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				key := d.Name.Name
				if d.Recv != nil {
					recv := d.Recv.List[0].Type
					if star, ok := recv.(*ast.StarExpr); ok {
						recv = star.X
					}
					id := recv.(*ast.Ident)
					if !id.IsExported() {
						continue
					}
					key = id.Name + "." + key
				}
				out[key] = print(&ast.FuncDecl{Recv: d.Recv, Name: d.Name, Type: d.Type})
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						typ := "struct"
						if _, ok := s.Type.(*ast.StructType); !ok {
							typ = print(s.Type)
						}
						out[s.Name.Name] = "type " + s.Name.Name + " " + typ
					case *ast.ValueSpec:
						for i, n := range s.Names {
							if !n.IsExported() {
								continue
							}
							line := d.Tok.String() + " " + n.Name
							if s.Type != nil {
								line += " " + print(s.Type)
							}
							if i < len(s.Values) {
								line += " = " + print(s.Values[i])
							}
							out[n.Name] = line
						}
					}
				}
			}
		}
	}
	return out
}

// upstreamAPI reads testdata/upstream-api.txt, keyed as declarations is.
func upstreamAPI(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "upstream-api.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.Join(strings.Fields(sc.Text()), " ")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var key string
		switch {
		case strings.HasPrefix(line, "func ("):
			// func (m *T) Name(...
			_, rest, _ := strings.Cut(line, " *")
			typ, rest, _ := strings.Cut(rest, ") ")
			name, _, _ := strings.Cut(rest, "(")
			key = typ + "." + name
		case strings.HasPrefix(line, "func "):
			key, _, _ = strings.Cut(strings.TrimPrefix(line, "func "), "(")
		default: // type or const
			key = strings.Fields(line)[1]
		}
		out[key] = line
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 40 {
		t.Fatalf("testdata/upstream-api.txt lists only %d identifiers", len(out))
	}
	return out
}

// TestAPIMatchesUpstream fails when an identifier of providers/prometheus
// v1.1.1 is missing here or is declared with another kind or signature,
// and when this package exports anything upstream does not.
func TestAPIMatchesUpstream(t *testing.T) {
	want, got := upstreamAPI(t), declarations(t)
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch g, ok := got[k]; {
		case !ok:
			t.Errorf("missing %s: upstream declares\n\t%s", k, want[k])
		case g != want[k]:
			t.Errorf("%s differs:\n\tupstream: %s\n\there:     %s", k, want[k], g)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s is exported here but not upstream: %s", k, g)
		}
	}
}
