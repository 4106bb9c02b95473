package rp

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/signet-id/signet"

// TestImportFence keeps rp separable from the server (DESIGN: "rp imports
// only oidc"): no package in rp/ or rp/rptest/, nor any package of this
// module they import, transitively, may import internal/… .
func TestImportFence(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var visit func(pkg, from string)
	visit = func(pkg, from string) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		if pkg == module+"/internal" || strings.HasPrefix(pkg, module+"/internal/") {
			t.Errorf("%s imports %s", from, pkg)
			return
		}
		dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(pkg, module)))
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		if len(files) == 0 {
			t.Errorf("no Go files for %s", pkg)
		}
		for _, f := range files {
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if p == module || strings.HasPrefix(p, module+"/") {
					visit(p, f)
				}
			}
		}
	}
	visit(module+"/rp", "")
	visit(module+"/rp/rptest", "")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
}
