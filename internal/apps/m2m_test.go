package apps

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/sqlite"
)

// forgotten records Forget calls (a hand-written Forgetter).
type forgotten []string

func (f *forgotten) Forget(id string) { *f = append(*f, id) }

type env struct {
	t       *testing.T
	st      *sqlite.DB
	pepper  secrets.Pepper
	mux     *http.ServeMux
	forgot  *forgotten
	project store.Project
	secret  string
	other   store.Project // a second project, to check isolation
	otherSe string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.OpenAndMigrate(ctx, filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, pepper: secrets.NewPepper(bytes.Repeat([]byte{7}, 32)), mux: http.NewServeMux(), forgot: &forgotten{}}
	e.project, e.secret = e.newProject("project-test-a")
	e.other, e.otherSe = e.newProject("project-test-b")
	h := &M2M{
		Auth:   projects.NewAuth(st, e.pepper, time.Minute),
		Store:  st,
		Cache:  e.forgot,
		Pepper: e.pepper,
	}
	h.Mount(e.mux)
	return e
}

func (e *env) newProject(id string) (store.Project, string) {
	secret := secrets.New("secret-test-")
	p := store.Project{ID: id, Name: id, SecretHash: e.pepper.Hash(secret), TokenAlg: "RS256", CreatedAt: store.Now(time.Now)}
	if err := e.st.CreateProject(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
	return p, secret
}

// call sends a management request as the main project and decodes the
// answer into a generic map.
func (e *env) call(method, path string, body any) (int, map[string]any, http.Header) {
	return e.callAs(e.project.ID, e.secret, method, path, body)
}

func (e *env) callAs(projectID, secret, method, path string, body any) (int, map[string]any, http.Header) {
	e.t.Helper()
	var rd *bytes.Reader
	if s, ok := body.(string); ok {
		rd = bytes.NewReader([]byte(s))
	} else {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req := api.WithRequestID(httptest.NewRequest(method, path, rd))
	req.SetBasicAuth(projectID, secret)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("%s %s: answer is not JSON: %q", method, path, rec.Body)
	}
	return rec.Code, out, rec.Header()
}

func (e *env) create(body any) map[string]any {
	e.t.Helper()
	code, out, _ := e.call("POST", "/v1/m2m/clients", body)
	if code != 200 {
		e.t.Fatalf("create = %d %v", code, out)
	}
	return out["m2m_client"].(map[string]any)
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

var clientKeys = []string{"client_description", "client_id", "client_name", "client_secret_last_four",
	"next_client_secret_last_four", "scopes", "status", "trusted_metadata"}

func withKey(k string) []string {
	return slices.Sorted(slices.Values(append(slices.Clone(clientKeys), k)))
}

func TestCreateGenerated(t *testing.T) {
	e := newEnv(t)
	code, out, hdr := e.call("POST", "/v1/m2m/clients", map[string]any{
		"scopes": []string{"read:users", "write:users", "read:users"}, "client_name": "Billing",
		"client_description": "nightly job", "trusted_metadata": map[string]any{"team": "billing"},
	})
	if code != 200 || out["status_code"] != float64(200) || out["request_id"] == "" {
		t.Fatalf("create = %d %v", code, out)
	}
	if hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("a response with a secret must be no-store, got %q", hdr.Get("Cache-Control"))
	}
	c := out["m2m_client"].(map[string]any)
	if got, want := keys(c), withKey("client_secret"); !slices.Equal(got, want) {
		t.Errorf("m2m_client keys = %v, want %v", got, want)
	}
	id, secret := c["client_id"].(string), c["client_secret"].(string)
	if !strings.HasPrefix(id, "m2m-client-test-") || len(id) != len("m2m-client-test-")+36 {
		t.Errorf("client_id = %q", id)
	}
	if len(secret) != 43 || c["client_secret_last_four"] != secret[39:] {
		t.Errorf("secret %q (last four %v): want 256-bit base64url", secret, c["client_secret_last_four"])
	}
	if c["status"] != "active" || c["client_name"] != "Billing" || c["client_description"] != "nightly job" ||
		c["next_client_secret_last_four"] != nil {
		t.Errorf("client = %v", c)
	}
	if s := c["scopes"].([]any); len(s) != 2 || s[0] != "read:users" || s[1] != "write:users" {
		t.Errorf("scopes = %v, want the two distinct scopes in order", s)
	}
	if m := c["trusted_metadata"].(map[string]any); m["team"] != "billing" {
		t.Errorf("trusted_metadata = %v", m)
	}
	stored, err := e.st.M2MClient(context.Background(), e.project.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if !e.pepper.Equal(stored.SecretHash, secret) || bytes.Contains(stored.SecretHash, []byte(secret)) {
		t.Errorf("stored secret is not the peppered hash")
	}

	// Get never shows the secret.
	code, out, hdr = e.call("GET", "/v1/m2m/clients/"+id, nil)
	if code != 200 {
		t.Fatalf("get = %d %v", code, out)
	}
	if got := keys(out["m2m_client"].(map[string]any)); !slices.Equal(got, clientKeys) {
		t.Errorf("get keys = %v, want %v", got, clientKeys)
	}
	if hdr.Get("Cache-Control") == "no-store" {
		t.Errorf("get has no secret; no-store not expected")
	}
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	e.create(map[string]any{"scopes": []string{}, "client_id": "imported-1", "client_secret": "0123456789abcdef:%+x"})
	tests := []struct {
		name     string
		body     any
		wantCode int
		wantType string
	}{
		{"missing scopes", map[string]any{}, 400, "missing_scopes"},
		{"scope with space", map[string]any{"scopes": []string{"a b"}}, 400, "invalid_scopes"},
		{"scope with quote", map[string]any{"scopes": []string{`a"b`}}, 400, "invalid_scopes"},
		{"empty scope", map[string]any{"scopes": []string{""}}, 400, "invalid_scopes"},
		{"metadata not object", map[string]any{"scopes": []string{}, "trusted_metadata": []int{1}}, 400, "invalid_trusted_metadata"},
		{"metadata too big", map[string]any{"scopes": []string{}, "trusted_metadata": map[string]string{"k": strings.Repeat("x", 5000)}}, 400, "invalid_trusted_metadata"},
		{"duplicate id", map[string]any{"scopes": []string{}, "client_id": "imported-1"}, 400, "duplicate_client_id"},
		{"id with space", map[string]any{"scopes": []string{}, "client_id": "a b"}, 400, "invalid_client_id"},
		{"short secret", map[string]any{"scopes": []string{}, "client_secret": "short"}, 400, "invalid_client_secret"},
		{"wrong type", `{"scopes": "read"}`, 400, "invalid_json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _ := e.call("POST", "/v1/m2m/clients", tt.body)
			if code != tt.wantCode || out["error_type"] != tt.wantType {
				t.Errorf("got %d %v, want %d %s", code, out["error_type"], tt.wantCode, tt.wantType)
			}
		})
	}
	// A client ID is unique across the instance, not only the project.
	code, out, _ := e.callAs(e.other.ID, e.otherSe, "POST", "/v1/m2m/clients", map[string]any{"scopes": []string{}, "client_id": "imported-1"})
	if code != 400 || out["error_type"] != "duplicate_client_id" {
		t.Errorf("same id in another project = %d %v", code, out)
	}
}

func TestImportedSecret(t *testing.T) {
	e := newEnv(t)
	c := e.create(map[string]any{"scopes": []string{"a"}, "client_id": "legacy-client", "client_secret": "legacy-secret-0123456789"})
	if c["client_id"] != "legacy-client" || c["client_secret"] != "legacy-secret-0123456789" || c["client_secret_last_four"] != "6789" {
		t.Errorf("imported = %v", c)
	}
}

func TestProjectIsolation(t *testing.T) {
	e := newEnv(t)
	id := e.create(map[string]any{"scopes": []string{"a"}})["client_id"].(string)
	for _, tt := range []struct{ method, path string }{
		{"GET", "/v1/m2m/clients/" + id},
		{"PUT", "/v1/m2m/clients/" + id},
		{"DELETE", "/v1/m2m/clients/" + id},
		{"POST", "/v1/m2m/clients/" + id + "/secrets/rotate/start"},
	} {
		code, out, _ := e.callAs(e.other.ID, e.otherSe, tt.method, tt.path, map[string]any{})
		if code != 404 || out["error_type"] != "m2m_client_not_found" {
			t.Errorf("%s %s from another project = %d %v", tt.method, tt.path, code, out)
		}
	}
	code, out, _ := e.callAs(e.other.ID, e.otherSe, "POST", "/v1/m2m/clients/search", map[string]any{})
	if code != 200 || len(out["m2m_clients"].([]any)) != 0 {
		t.Errorf("search from another project = %d %v", code, out)
	}
	code, _, _ = e.callAs(e.project.ID, "wrong", "GET", "/v1/m2m/clients/"+id, nil)
	if code != 401 {
		t.Errorf("wrong project secret = %d", code)
	}
}

func TestUpdate(t *testing.T) {
	e := newEnv(t)
	id := e.create(map[string]any{"scopes": []string{"a"}, "client_name": "n", "trusted_metadata": map[string]int{"x": 1}})["client_id"].(string)
	path := "/v1/m2m/clients/" + id
	tests := []struct {
		name     string
		body     any
		wantCode int
		check    func(c map[string]any) bool
	}{
		{"status", map[string]any{"status": "inactive"}, 200, func(c map[string]any) bool { return c["status"] == "inactive" && c["client_name"] == "n" }},
		{"scopes", map[string]any{"scopes": []string{"b", "c"}}, 200, func(c map[string]any) bool { return len(c["scopes"].([]any)) == 2 }},
		{"clear scopes", map[string]any{"scopes": []string{}}, 200, func(c map[string]any) bool { return len(c["scopes"].([]any)) == 0 }},
		{"name and description", map[string]any{"client_name": "m", "client_description": "d"}, 200, func(c map[string]any) bool {
			return c["client_name"] == "m" && c["client_description"] == "d" && c["status"] == "inactive"
		}},
		{"metadata", map[string]any{"trusted_metadata": map[string]int{"y": 2}}, 200, func(c map[string]any) bool {
			m := c["trusted_metadata"].(map[string]any)
			return m["y"] == float64(2) && m["x"] == nil
		}},
		{"bad status", map[string]any{"status": "paused"}, 400, nil},
		{"bad scope", map[string]any{"scopes": []string{"a\\b"}}, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*e.forgot = nil
			code, out, _ := e.call("PUT", path, tt.body)
			if code != tt.wantCode {
				t.Fatalf("update = %d %v", code, out)
			}
			if tt.check == nil {
				if len(*e.forgot) != 0 {
					t.Errorf("a refused update forgot %v", *e.forgot)
				}
				return
			}
			if !tt.check(out["m2m_client"].(map[string]any)) {
				t.Errorf("after update: %v", out["m2m_client"])
			}
			if !slices.Equal(*e.forgot, []string{id}) {
				t.Errorf("cache told %v, want [%s]", *e.forgot, id)
			}
		})
	}
	if code, out, _ := e.call("PUT", "/v1/m2m/clients/nope", map[string]any{"status": "active"}); code != 404 {
		t.Errorf("update unknown = %d %v", code, out)
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	id := e.create(map[string]any{"scopes": []string{"a"}})["client_id"].(string)
	code, out, _ := e.call("DELETE", "/v1/m2m/clients/"+id, nil)
	if code != 200 || out["client_id"] != id || out["request_id"] == "" {
		t.Fatalf("delete = %d %v", code, out)
	}
	if !slices.Equal(*e.forgot, []string{id}) {
		t.Errorf("cache told %v", *e.forgot)
	}
	if code, _, _ := e.call("GET", "/v1/m2m/clients/"+id, nil); code != 404 {
		t.Errorf("get after delete = %d", code)
	}
	if code, _, _ := e.call("DELETE", "/v1/m2m/clients/"+id, nil); code != 404 {
		t.Errorf("second delete = %d", code)
	}
}

func TestSecretRotation(t *testing.T) {
	e := newEnv(t)
	c := e.create(map[string]any{"scopes": []string{"a"}})
	id, first := c["client_id"].(string), c["client_secret"].(string)
	base := "/v1/m2m/clients/" + id + "/secrets/rotate"
	stored := func() store.M2MClient {
		s, err := e.st.M2MClient(context.Background(), "", id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	if code, out, _ := e.call("POST", base, nil); code != 400 || out["error_type"] != "no_secret_rotation_in_progress" {
		t.Errorf("rotate before start = %d %v", code, out)
	}
	if code, out, _ := e.call("POST", base+"/cancel", nil); code != 400 || out["error_type"] != "no_secret_rotation_in_progress" {
		t.Errorf("cancel before start = %d %v", code, out)
	}

	code, out, hdr := e.call("POST", base+"/start", nil)
	if code != 200 || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("start = %d %v", code, out)
	}
	started := out["m2m_client"].(map[string]any)
	if got, want := keys(started), withKey("next_client_secret"); !slices.Equal(got, want) {
		t.Errorf("start keys = %v, want %v", got, want)
	}
	next := started["next_client_secret"].(string)
	if len(next) != 43 || started["next_client_secret_last_four"] != next[39:] || started["client_secret_last_four"] != first[39:] {
		t.Errorf("start = %v", started)
	}
	if s := stored(); !e.pepper.Equal(s.SecretHash, first) || !e.pepper.Equal(s.NextSecretHash, next) {
		t.Errorf("during rotation both hashes must be stored")
	}
	if code, out, _ := e.call("POST", base+"/start", nil); code != 400 || out["error_type"] != "secret_rotation_in_progress" {
		t.Errorf("second start = %d %v", code, out)
	}

	// Cancel keeps the first secret; a new start makes a new next secret.
	if code, out, _ := e.call("POST", base+"/cancel", nil); code != 200 || out["m2m_client"].(map[string]any)["next_client_secret_last_four"] != nil {
		t.Fatalf("cancel = %d %v", code, out)
	}
	if s := stored(); !e.pepper.Equal(s.SecretHash, first) || len(s.NextSecretHash) != 0 {
		t.Errorf("after cancel: want only the first secret")
	}
	_, out, _ = e.call("POST", base+"/start", nil)
	next = out["m2m_client"].(map[string]any)["next_client_secret"].(string)

	code, out, _ = e.call("POST", base, nil)
	done := out["m2m_client"].(map[string]any)
	if code != 200 || done["client_secret_last_four"] != next[39:] || done["next_client_secret_last_four"] != nil || done["next_client_secret"] != nil {
		t.Fatalf("rotate = %d %v", code, out)
	}
	if s := stored(); !e.pepper.Equal(s.SecretHash, next) || e.pepper.Equal(s.SecretHash, first) || len(s.NextSecretHash) != 0 {
		t.Errorf("after rotate: want only the next secret")
	}
	if want := []string{id, id, id, id}; !slices.Equal(*e.forgot, want) {
		t.Errorf("cache told %v, want %v (start, cancel, start, rotate)", *e.forgot, want)
	}
}
