package archtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/signet-id/signet"

// fence is one rule: nothing from (outside tests) depends, directly or
// transitively, on a package forbidden names.
type fence struct {
	from      []string // package patterns, as go list takes them
	forbidden func(pkg string) bool
	why       string
}

func ours(pkg string) bool { return pkg == module || strings.HasPrefix(pkg, module+"/") }

func under(prefix string) func(string) bool {
	return func(pkg string) bool { return pkg == prefix || strings.HasPrefix(pkg, prefix+"/") }
}

var fences = []fence{
	{
		from: []string{"./rp/...", "./oidc"},
		forbidden: func(pkg string) bool {
			return under(module + "/internal")(pkg)
		},
		why: "rp and oidc are public: they build without the server (DESIGN: rp imports only oidc)",
	},
	{
		from: []string{"./oidc"},
		forbidden: func(pkg string) bool {
			return ours(pkg) && pkg != module+"/oidc"
		},
		why: "oidc is the protocol vocabulary: it imports nothing of ours",
	},
	{
		from: []string{"./internal/store/..."},
		forbidden: func(pkg string) bool {
			return under("net/http")(pkg) || ours(pkg) && !under(module+"/internal/store")(pkg)
		},
		why: "the store is records and atomic operations: no HTTP, and nothing of ours above it",
	},
	{
		from: []string{"./internal/api"},
		forbidden: func(pkg string) bool {
			return ours(pkg) && pkg != module+"/oidc" && pkg != module+"/internal/api"
		},
		why: "api is the wire conventions: it knows no store (project authentication is internal/projects) and no domain",
	},
}

// TestFences checks every fence over the real import graph (go list
// -deps), test files excluded, and names the import chain of a breach.
func TestFences(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fences {
		graph := imports(t, root, f.from)
		for _, start := range roots(graph, f.from) {
			if chain := breach(graph, start, f.forbidden); chain != nil {
				t.Errorf("%s: %s\n\t(%s)", start, strings.Join(chain, " -> "), f.why)
			}
		}
	}
}

// imports is the import graph of the packages patterns match and all
// they depend on: package -> its direct imports.
func imports(t *testing.T, root string, patterns []string) map[string][]string {
	t.Helper()
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}} {{.Dir}}{{range .Imports}} {{.}}{{end}}"}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	graph := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		graph[fields[0]] = fields[2:]
		if ours(fields[0]) {
			touch(t, fields[1])
		}
	}
	return graph
}

// touch reads a package's directory and the Go files in it, so that go
// test's cache, which knows only the files a test opens, reruns this test
// when an import changes.
func touch(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".go") {
			if _, err := os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// roots are the module's packages the patterns name (go list -deps lists
// their dependencies too).
func roots(graph map[string][]string, patterns []string) []string {
	var out []string
	for pkg := range graph {
		for _, p := range patterns {
			want := module + "/" + strings.TrimPrefix(p, "./")
			if strings.HasSuffix(want, "/...") && under(strings.TrimSuffix(want, "/..."))(pkg) || pkg == want {
				out = append(out, pkg)
				break
			}
		}
	}
	return out
}

// breach is the import chain from start to a forbidden package, or nil.
func breach(graph map[string][]string, start string, forbidden func(string) bool) []string {
	prev := map[string]string{start: ""}
	queue := []string{start}
	for len(queue) > 0 {
		pkg := queue[0]
		queue = queue[1:]
		if forbidden(pkg) {
			var chain []string
			for p := pkg; p != ""; p = prev[p] {
				chain = append([]string{p}, chain...)
			}
			return chain
		}
		for _, next := range graph[pkg] {
			if _, seen := prev[next]; !seen {
				prev[next] = pkg
				queue = append(queue, next)
			}
		}
	}
	return nil
}
