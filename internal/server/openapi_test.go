package server

import (
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/signet-id/signet/docs"
)

// openAPIDoc is the part of docs/openapi.json the tests read.
type openAPIDoc struct {
	Security   []map[string][]string                 `json:"security"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"` // path items: operations and parameters
	Components struct {
		Schemas   map[string]map[string]any `json:"schemas"`
		Responses map[string]struct {
			Content map[string]struct {
				Schema map[string]any `json:"schema"`
			} `json:"content"`
		} `json:"responses"`
	} `json:"components"`
}

type openAPIOperation struct {
	Security    *[]map[string][]string `json:"security"`
	RequestBody struct {
		Content map[string]struct {
			Schema map[string]any `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Ref     string `json:"$ref"`
		Content map[string]struct {
			Schema map[string]any `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

var methods = []string{"get", "put", "post", "delete", "patch"}

func readOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(docs.OpenAPI, &doc); err != nil {
		t.Fatalf("docs/openapi.json: %v", err)
	}
	return doc
}

// operations are the document's operations as "METHOD /path".
func (d openAPIDoc) operations() map[string]openAPIOperation {
	ops := map[string]openAPIOperation{}
	for path, item := range d.Paths {
		for m, raw := range item {
			if !slices.Contains(methods, m) {
				continue
			}
			var op openAPIOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				panic(fmt.Sprintf("docs/openapi.json: %s %s: %v", m, path, err))
			}
			ops[strings.ToUpper(m)+" "+path] = op
		}
	}
	return ops
}

// routeLine is a line of a package doc's route table:
// "//	POST   /v1/users   create a user".
var routeLine = regexp.MustCompile(`^\s*(GET|PUT|POST|DELETE|PATCH)\s+(/\S*)`)

// documentedRoutes reads the route tables in the package docs of
// internal/* (each package's doc lists the routes it mounts) and returns
// the management routes, "METHOD /path" -> the package that lists it.
// The OAuth and OpenID Connect endpoints under /v1/ (/v1/oauth2/...,
// /v1/public/{project_id}/...) are not management routes: they are in
// the discovery document, not the OpenAPI description.
func documentedRoutes(t *testing.T) map[string]string {
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
			m := routeLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			path, _, _ := strings.Cut(m[2], "?")
			if !strings.HasPrefix(path, "/v1/") || strings.HasPrefix(path, "/v1/oauth2/") || strings.HasPrefix(path, "/v1/public/") {
				continue
			}
			routes[m[1]+" "+path] = filepath.Dir(name)
		}
	}
	if len(routes) < 50 {
		t.Fatalf("found %d management routes in the package docs: has the route table format changed?", len(routes))
	}
	return routes
}

// TestOpenAPIRoutes keeps docs/openapi.json and the server's management
// routes one set: every route a package doc lists is described, every
// described operation is listed, and the real server routes each one
// (behind project authentication, unless the description says it takes
// none). A new route therefore fails here until it is in the
// description, and a described route that is not mounted fails too.
func TestOpenAPIRoutes(t *testing.T) {
	doc := readOpenAPI(t)
	ops := doc.operations()
	routes := documentedRoutes(t)
	for r, pkg := range routes {
		if _, ok := ops[r]; !ok {
			t.Errorf("%s (in the route table of %s) is not in docs/openapi.json: describe it there", r, pkg)
		}
	}
	for op := range ops {
		if _, ok := routes[op]; !ok {
			t.Errorf("docs/openapi.json describes %s, which no package doc lists: list it in its package's route table, or remove it", op)
		}
	}

	ts := newTestServer(t)
	param := regexp.MustCompile(`\{[^}]+\}`)
	for op, o := range ops {
		method, path, _ := strings.Cut(op, " ")
		req, err := http.NewRequest(method, ts.URL+param.ReplaceAllString(path, "probe"), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			ErrorType string `json:"error_type"`
		}
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		public := o.Security != nil && len(*o.Security) == 0
		switch {
		case body.ErrorType == "route_not_found" || body.ErrorType == "method_not_allowed":
			t.Errorf("%s: the server does not route it (%d %s)", op, resp.StatusCode, body.ErrorType)
		case !public && (resp.StatusCode != http.StatusUnauthorized || body.ErrorType != "unauthorized_credentials"):
			t.Errorf("%s without credentials: %d %s, want 401 unauthorized_credentials (or security: [] in the description)",
				op, resp.StatusCode, body.ErrorType)
		case public && resp.StatusCode == http.StatusUnauthorized:
			t.Errorf("%s is described as public (security: []) but asks for credentials", op)
		}
	}
	if len(doc.Security) != 1 || doc.Security[0]["project"] == nil {
		t.Errorf("the description's default security is %v, want the project scheme", doc.Security)
	}
}

// TestOpenAPIGolden checks the golden wire shapes (testdata/golden of this
// package, internal/orgs and internal/memberauth) against the responses the description gives
// their operations: every field the wire has is described, with its
// type, and every field the description requires is on the wire.
func TestOpenAPIGolden(t *testing.T) {
	v := newSchemaValidator(t, readOpenAPI(t))
	for _, tt := range []struct {
		file, op, status string
	}{
		{"testdata/golden/user_create.json", "POST /v1/users", "200"},
		{"testdata/golden/user_get.json", "GET /v1/users/{user_id}", "200"},
		{"testdata/golden/password_create.json", "POST /v1/passwords", "200"},
		{"testdata/golden/session_authenticate.json", "POST /v1/sessions/authenticate", "200"},
		{"testdata/golden/error_stytch_unauthorized.json", "POST /v1/users", "401"},
		{"testdata/golden/error_stytch_not_found.json", "GET /v1/users/{user_id}", "404"},
		{"../orgs/testdata/golden/organization_create.json", "POST /v1/b2b/organizations", "200"},
		{"../orgs/testdata/golden/member_create.json", "POST /v1/b2b/organizations/{organization_id}/members", "200"},
		{"../orgs/testdata/golden/members_search.json", "POST /v1/b2b/organizations/members/search", "200"},
		{"../orgs/testdata/golden/member_delete.json", "DELETE /v1/b2b/organizations/{organization_id}/members/{member_id}", "200"},
		{"../orgs/testdata/golden/error_invalid_b2b_endpoint.json", "POST /v1/b2b/organizations", "400"},
		{"../memberauth/testdata/golden/password_migrate.json", "POST /v1/b2b/passwords/migrate", "200"},
		{"../memberauth/testdata/golden/password_authenticate.json", "POST /v1/b2b/passwords/authenticate", "200"},
		{"../memberauth/testdata/golden/session_authenticate.json", "POST /v1/b2b/sessions/authenticate", "200"},
		{"../memberauth/testdata/golden/sessions_get.json", "GET /v1/b2b/sessions", "200"},
		{"../memberauth/testdata/golden/error_authorization_check.json", "POST /v1/b2b/sessions/authenticate", "400"},
		{"../memberauth/testdata/golden/discovery_password_authenticate.json", "POST /v1/b2b/passwords/discovery/authenticate", "200"},
		{"../memberauth/testdata/golden/discovery_organizations.json", "POST /v1/b2b/discovery/organizations", "200"},
		{"../memberauth/testdata/golden/discovery_exchange.json", "POST /v1/b2b/discovery/intermediate_sessions/exchange", "200"},
		{"../memberauth/testdata/golden/discovery_organization_create.json", "POST /v1/b2b/discovery/organizations/create", "200"},
		{"../memberauth/testdata/golden/error_intermediate_session_not_found.json", "POST /v1/b2b/discovery/intermediate_sessions/exchange", "404"},
	} {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			v.response(t, tt.op, tt.status, b)
		})
	}
}
