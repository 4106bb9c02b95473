package server

import (
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tableLine is a line of a package doc's route table: a method (or ANY
// for a pattern without one) and a path, "//	POST   /v1/users   ...".
var tableLine = regexp.MustCompile(`^\s*(GET|PUT|POST|DELETE|PATCH|ANY)\s+(/\S*)`)

// routeTables reads the route tables of every package doc under
// internal/ and returns "METHOD /path" -> the package that lists it.
func routeTables(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if f.Doc == nil {
			continue
		}
		for _, line := range strings.Split(f.Doc.Text(), "\n") {
			if m := tableLine.FindStringSubmatch(line); m != nil {
				path, _, _ := strings.Cut(m[2], "?")
				routes[m[1]+" "+path] = filepath.Base(filepath.Dir(name))
			}
		}
	}
	return routes
}

// otherServers are packages whose route tables describe another server
// than this one (the demo app runs on its own listener).
var otherServers = map[string]bool{"demo": true}

// TestRouteTables: every pattern the server mounts, with every optional
// part on (banks, branding, the mutual-TLS endpoints), serves a route some
// package doc's table lists, and every route a table lists is served, as
// ServeMux routes it (a table may list two routes one pattern serves).
func TestRouteTables(t *testing.T) {
	var s *Server
	newTestServer(t, func(c *Config) {
		c.MTLSBaseURL = "https://mtls.example"
		c.Branding.PrimaryColor = "#123456"
	}, func(c *Config) { s = New(*c) })
	mux := http.NewServeMux()
	for _, pattern := range s.routes {
		mux.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
	}
	if len(s.routes) < 60 {
		t.Fatalf("only %d routes recorded: is the recorder still in the path?", len(s.routes))
	}
	wildcard := regexp.MustCompile(`\{[^}]*\}`)
	served := map[string]bool{}
	for route, pkg := range routeTables(t) {
		if otherServers[pkg] {
			continue
		}
		method, path, _ := strings.Cut(route, " ")
		if method == "ANY" {
			method = http.MethodGet
		}
		req := httptest.NewRequest(method, wildcard.ReplaceAllString(path, "x"), nil)
		if _, pattern := mux.Handler(req); pattern != "" {
			served[pattern] = true
		} else {
			t.Errorf("the route table of %s lists %q, which the server does not mount", pkg, route)
		}
	}
	for _, pattern := range s.routes {
		if !served[pattern] {
			t.Errorf("%q is mounted but serves no route of a package doc's table: list it in the doc of the package that mounts it", pattern)
		}
	}
}
