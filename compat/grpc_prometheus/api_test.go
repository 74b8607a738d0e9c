package grpc_prometheus

import (
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

// apiDecl is one exported identifier: its kind and, where it has one, a
// signature with parameter names dropped and package aliases normalized.
type apiDecl struct {
	kind string // func, method, type, var, const
	sig  string
}

// godocSource turns `go doc -all` output into Go source: the top-level
// declaration lines and blocks, without the doc text.
func godocSource(doc string) string {
	var b strings.Builder
	b.WriteString("package p\n")
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "func "):
			b.WriteString(l + "\n")
		case strings.HasPrefix(l, "type "), strings.HasPrefix(l, "const ("), strings.HasPrefix(l, "var ("):
			b.WriteString(l + "\n")
			if strings.HasSuffix(l, "{") || strings.HasSuffix(l, "(") {
				for i++; i < len(lines) && lines[i] != "}" && lines[i] != ")"; i++ {
					b.WriteString(lines[i] + "\n")
				}
				if i < len(lines) {
					b.WriteString(lines[i] + "\n")
				}
			}
		}
	}
	return b.String()
}

// exported collects the exported identifiers of files.
func exported(t *testing.T, fset *token.FileSet, files []*ast.File) map[string]apiDecl {
	out := map[string]apiDecl{}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv != nil {
					recv := typeString(t, fset, d.Recv.List[0].Type)
					out[strings.TrimPrefix(recv, "*")+"."+d.Name.Name] = apiDecl{"method", recv + " " + typeString(t, fset, d.Type)}
				} else {
					out[d.Name.Name] = apiDecl{"func", typeString(t, fset, d.Type)}
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						sig := "struct"
						if _, ok := s.Type.(*ast.StructType); !ok {
							sig = typeString(t, fset, s.Type)
						}
						out[s.Name.Name] = apiDecl{"type", sig}
					case *ast.ValueSpec:
						for i, n := range s.Names {
							if !n.IsExported() {
								continue
							}
							if d.Tok == token.CONST {
								sig := typeString(t, fset, s.Type)
								if i < len(s.Values) {
									sig += " = " + typeString(t, fset, s.Values[i])
								}
								out[n.Name] = apiDecl{"const", sig}
							} else {
								out[n.Name] = apiDecl{"var", ""}
							}
						}
					}
				}
			}
		}
	}
	return out
}

// typeString prints e with the parameter names of every function type
// dropped, "prom." read as "prometheus." and interface{} as any.
func typeString(t *testing.T, fset *token.FileSet, e ast.Expr) string {
	if e == nil {
		return ""
	}
	ast.Inspect(e, func(n ast.Node) bool {
		if ft, ok := n.(*ast.FuncType); ok {
			ft.Params = unnamed(ft.Params)
			ft.Results = unnamed(ft.Results)
		}
		return true
	})
	var b bytes.Buffer
	if err := printer.Fprint(&b, fset, e); err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(b.String(), "interface{}", "any")
	return strings.ReplaceAll(s, "prom.", "prometheus.")
}

// unnamed returns fl with one unnamed field per parameter.
func unnamed(fl *ast.FieldList) *ast.FieldList {
	if fl == nil {
		return nil
	}
	out := &ast.FieldList{}
	for _, f := range fl.List {
		for range max(1, len(f.Names)) {
			out.List = append(out.List, &ast.Field{Type: f.Type})
		}
	}
	return out
}

// peerAPI is the API of go-grpc-prometheus v1.2.0 and its master branch,
// from the `go doc -all` outputs in testdata.
func peerAPI(t *testing.T) map[string]apiDecl {
	docs, err := filepath.Glob("testdata/*.godoc.txt")
	if err != nil || len(docs) == 0 {
		t.Fatalf("no testdata/*.godoc.txt: %v", err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range docs {
		doc, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, godocSource(string(doc)), 0)
		if err != nil {
			t.Fatalf("parsing the declarations of %s: %v", name, err)
		}
		files = append(files, f)
	}
	return exported(t, fset, files)
}

// ourAPI is this package's API, from its non-test source files.
func ourAPI(t *testing.T) map[string]apiDecl {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return exported(t, fset, files)
}

// apiDiff lists what of want has lacks or declares differently.
func apiDiff(want, has map[string]apiDecl) []string {
	var diff []string
	for name, w := range want {
		h, ok := has[name]
		switch {
		case !ok:
			diff = append(diff, name+": missing ("+w.kind+" "+w.sig+")")
		case h != w:
			diff = append(diff, name+": is "+h.kind+" "+h.sig+", want "+w.kind+" "+w.sig)
		}
	}
	sort.Strings(diff)
	return diff
}

// TestAPIComplete checks that every exported identifier of
// go-grpc-prometheus v1.2.0 (and of its master branch) exists here with the
// same kind and signature.
func TestAPIComplete(t *testing.T) {
	want := peerAPI(t)
	if len(want) != 37 {
		t.Errorf("read %d identifiers from testdata, want 37 (33 of v1.2.0, 4 of master)", len(want))
	}
	for _, d := range apiDiff(want, ourAPI(t)) {
		t.Error(d)
	}
}

// TestAPIDiffFindsMissing checks that the completeness check fails when
// an identifier is missing or has another kind or signature.
func TestAPIDiffFindsMissing(t *testing.T) {
	want := peerAPI(t)
	for _, name := range []string{"Register", "ServerMetrics.InitializeMetrics", "UnaryServerInterceptor", "Unary", "HistogramOption"} {
		has := ourAPI(t)
		delete(has, name)
		if d := apiDiff(want, has); len(d) != 1 || !strings.HasPrefix(d[0], name+": missing") {
			t.Errorf("without %s: diff %q", name, d)
		}
	}
	has := ourAPI(t)
	has["Register"] = apiDecl{"func", "func(*grpc.ClientConn)"}
	has["Unary"] = apiDecl{"var", ""}
	if d := apiDiff(want, has); len(d) != 2 {
		t.Errorf("with Register's signature and Unary's kind changed: diff %q", d)
	}
}
