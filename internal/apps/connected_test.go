package apps

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/testdb"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// caEnv is the Connected Apps client API and the users' connected-apps
// routes on a real store (SQLite, or PostgreSQL when SIGNET_TEST_POSTGRES
// is set) with two projects.
type caEnv struct {
	t        *testing.T
	st       store.Store
	pepper   secrets.Pepper
	mux      *http.ServeMux
	clients  *ConnectedClients
	forgot   *forgotten
	project  string
	secret   string
	other    string
	otherSec string
}

// forgetBoth tells the real cache and records the call.
type forgetBoth struct {
	c *ConnectedClients
	f *forgotten
}

func (b forgetBoth) Forget(id string) { b.c.Forget(id); b.f.Forget(id) }

func newCAEnv(t *testing.T) *caEnv {
	t.Helper()
	e := &caEnv{t: t, st: testdb.Open(t), pepper: secrets.NewPepper(bytes.Repeat([]byte{9}, 32)),
		mux: http.NewServeMux(), forgot: &forgotten{}}
	e.project, e.secret = e.newProject()
	e.other, e.otherSec = e.newProject()
	e.clients = NewConnectedClients(e.st, e.pepper, time.Minute, nil)
	auth := projects.NewAuth(e.st, e.pepper, time.Minute)
	(&Connected{Auth: auth, Store: e.st, Cache: forgetBoth{e.clients, e.forgot}, Pepper: e.pepper}).Mount(e.mux)
	(&UserApps{Auth: auth, Store: e.st}).Mount(e.mux)
	return e
}

func (e *caEnv) newProject() (string, string) {
	id, secret := "project-test-"+uuid.NewString(), secrets.New("secret-test-")
	p := store.Project{ID: id, Name: id, SecretHash: e.pepper.Hash(secret), TokenAlg: "RS256", CreatedAt: store.Now(time.Now)}
	if err := e.st.CreateProject(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
	return id, secret
}

func (e *caEnv) call(method, path string, body any) (int, map[string]any, http.Header) {
	return e.callAs(e.project, e.secret, method, path, body)
}

func (e *caEnv) callAs(projectID, secret, method, path string, body any) (int, map[string]any, http.Header) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	if s, ok := body.(string); ok {
		b = []byte(s)
	}
	req := api.WithRequestID(httptest.NewRequest(method, path, bytes.NewReader(b)))
	req.SetBasicAuth(projectID, secret)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("%s %s: answer is not JSON: %q", method, path, rec.Body)
	}
	if out["status_code"] != float64(rec.Code) || out["request_id"] == "" {
		e.t.Errorf("%s %s: no status_code/request_id in %v", method, path, out)
	}
	return rec.Code, out, rec.Header()
}

func (e *caEnv) create(body map[string]any) map[string]any {
	e.t.Helper()
	code, out, _ := e.call("POST", "/v1/connected_apps/clients", body)
	if code != 200 {
		e.t.Fatalf("create %v = %d %v", body, code, out)
	}
	return out["connected_app"].(map[string]any)
}

// connectedKeys is the ConnectedApp object of stytch-api.md §5.4.
var connectedKeys = []string{"access_token_custom_audience", "access_token_expiry_minutes", "access_token_template_content",
	"bypass_consent_for_offline_access", "client_description", "client_id", "client_id_metadata_url", "client_name",
	"client_secret_last_four", "client_type", "creation_method", "full_access_allowed", "id_token_template_content",
	"logo_url", "next_client_secret_last_four", "post_logout_redirect_urls", "redirect_urls", "status"}

func sortedKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func plus(k string) []string {
	return slices.Sorted(slices.Values(append(slices.Clone(connectedKeys), k)))
}

func TestConnectedCreate(t *testing.T) {
	e := newCAEnv(t)
	tests := []struct {
		clientType string
		secret     bool
	}{
		{TypeFirstParty, true},
		{TypeThirdParty, true},
		{TypeFirstPartyPublic, false},
		{TypeThirdPartyPublic, false},
	}
	for _, tt := range tests {
		t.Run(tt.clientType, func(t *testing.T) {
			code, out, hdr := e.call("POST", "/v1/connected_apps/clients", map[string]any{
				"client_type": tt.clientType, "client_name": "Acme", "client_description": "d",
				"redirect_urls": []string{"https://acme.example/cb", "https://acme.example/cb"},
				"logo_url":      "https://acme.example/logo.png",
			})
			if code != 200 {
				t.Fatalf("create = %d %v", code, out)
			}
			c := out["connected_app"].(map[string]any)
			id := c["client_id"].(string)
			if !strings.HasPrefix(id, "connected-app-test-") || len(id) != len("connected-app-test-")+36 {
				t.Errorf("client_id = %q", id)
			}
			if c["client_type"] != tt.clientType || c["status"] != "active" || c["access_token_expiry_minutes"] != float64(60) ||
				c["next_client_secret_last_four"] != nil || c["logo_url"] != "https://acme.example/logo.png" {
				t.Errorf("client = %v", c)
			}
			if urls := c["redirect_urls"].([]any); len(urls) != 1 {
				t.Errorf("redirect_urls = %v, want the duplicate dropped", urls)
			}
			stored, err := e.clients.Lookup(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.secret {
				if got := sortedKeys(c); !slices.Equal(got, connectedKeys) || c["client_secret_last_four"] != "" || stored.SecretHash != nil {
					t.Errorf("public client: keys %v, last four %v, stored hash %v", got, c["client_secret_last_four"], stored.SecretHash)
				}
				if e.clients.Authenticate(stored, "") {
					t.Error("a public client authenticated with an empty secret")
				}
				return
			}
			if got := sortedKeys(c); !slices.Equal(got, plus("client_secret")) {
				t.Errorf("keys = %v", got)
			}
			if hdr.Get("Cache-Control") != "no-store" {
				t.Errorf("a response with a secret must be no-store")
			}
			secret := c["client_secret"].(string)
			if len(secret) != 43 || c["client_secret_last_four"] != secret[39:] {
				t.Errorf("secret %q: want 256-bit base64url and its last four", secret)
			}
			if !e.clients.Authenticate(stored, secret) || e.clients.Authenticate(stored, secret+"x") || bytes.Contains(stored.SecretHash, []byte(secret)) {
				t.Errorf("stored secret is not the peppered hash of the one shown")
			}
			// Get never shows the secret.
			code, out, _ = e.call("GET", "/v1/connected_apps/clients/"+id, nil)
			if code != 200 || !slices.Equal(sortedKeys(out["connected_app"].(map[string]any)), connectedKeys) {
				t.Errorf("get = %d %v", code, out)
			}
		})
	}
}

func TestConnectedValidation(t *testing.T) {
	e := newCAEnv(t)
	tests := []struct {
		name     string
		body     map[string]any
		wantType string
	}{
		{"no type", map[string]any{}, "invalid_client_type"},
		{"bad type", map[string]any{"client_type": "machine"}, "invalid_client_type"},
		{"full access for third party", map[string]any{"client_type": TypeThirdParty, "full_access_allowed": true}, "invalid_client_type"},
		{"bypass for third party public", map[string]any{"client_type": TypeThirdPartyPublic, "bypass_consent_for_offline_access": true}, "invalid_client_type"},
		{"http redirect", map[string]any{"client_type": TypeFirstParty, "redirect_urls": []string{"http://app.example/cb"}}, "invalid_redirect_urls"},
		{"fragment", map[string]any{"client_type": TypeFirstParty, "redirect_urls": []string{"https://app.example/cb#x"}}, "invalid_redirect_urls"},
		{"relative", map[string]any{"client_type": TypeFirstParty, "redirect_urls": []string{"/cb"}}, "invalid_redirect_urls"},
		{"custom scheme for confidential", map[string]any{"client_type": TypeThirdParty, "redirect_urls": []string{"com.example.app:/cb"}}, "invalid_redirect_urls"},
		{"bad post logout", map[string]any{"client_type": TypeThirdParty, "post_logout_redirect_urls": []string{"javascript:x"}}, "invalid_post_logout_redirect_urls"},
		{"expiry too short", map[string]any{"client_type": TypeFirstParty, "access_token_expiry_minutes": 1}, "invalid_access_token_expiry_minutes"},
		{"expiry too long", map[string]any{"client_type": TypeFirstParty, "access_token_expiry_minutes": 10000}, "invalid_access_token_expiry_minutes"},
		{"http logo", map[string]any{"client_type": TypeFirstParty, "logo_url": "http://app.example/l.png"}, "invalid_logo_url"},
		{"wrong JSON type", map[string]any{"client_type": TypeFirstParty, "redirect_urls": "https://app.example/cb"}, "invalid_json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _ := e.call("POST", "/v1/connected_apps/clients", tt.body)
			if code != 400 || out["error_type"] != tt.wantType {
				t.Errorf("got %d %v, want 400 %s", code, out["error_type"], tt.wantType)
			}
		})
	}
	// Allowed: first-party flags, native redirects for a public client.
	e.create(map[string]any{"client_type": TypeFirstParty, "full_access_allowed": true, "bypass_consent_for_offline_access": true})
	e.create(map[string]any{"client_type": TypeThirdPartyPublic, "redirect_urls": []string{"com.example.app:/cb", "http://127.0.0.1/cb"}})
}

func TestConnectedUpdateDelete(t *testing.T) {
	e := newCAEnv(t)
	c := e.create(map[string]any{"client_type": TypeFirstParty, "client_name": "n", "redirect_urls": []string{"https://a.example/cb"}})
	id := c["client_id"].(string)
	path := "/v1/connected_apps/clients/" + id
	tests := []struct {
		name  string
		body  map[string]any
		code  int
		check func(map[string]any) bool
	}{
		{"name only", map[string]any{"client_name": "m"}, 200, func(c map[string]any) bool {
			return c["client_name"] == "m" && len(c["redirect_urls"].([]any)) == 1
		}},
		{"redirects", map[string]any{"redirect_urls": []string{"https://b.example/cb", "https://c.example/cb"}}, 200, func(c map[string]any) bool {
			return len(c["redirect_urls"].([]any)) == 2 && c["client_name"] == "m"
		}},
		{"first-party flags", map[string]any{"full_access_allowed": true, "access_token_expiry_minutes": 30}, 200, func(c map[string]any) bool {
			return c["full_access_allowed"] == true && c["access_token_expiry_minutes"] == float64(30)
		}},
		{"client_type cannot change", map[string]any{"client_type": TypeThirdParty}, 200, func(c map[string]any) bool {
			return c["client_type"] == TypeFirstParty
		}},
		{"bad redirect", map[string]any{"redirect_urls": []string{"ftp://x"}}, 400, nil},
		{"bad expiry", map[string]any{"access_token_expiry_minutes": 0}, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*e.forgot = nil
			code, out, _ := e.call("PUT", path, tt.body)
			if code != tt.code {
				t.Fatalf("update = %d %v", code, out)
			}
			if tt.check == nil {
				if len(*e.forgot) != 0 {
					t.Errorf("a refused update forgot %v", *e.forgot)
				}
				return
			}
			if !tt.check(out["connected_app"].(map[string]any)) {
				t.Errorf("after update: %v", out["connected_app"])
			}
			if !slices.Equal(*e.forgot, []string{id}) {
				t.Errorf("cache told %v, want [%s]", *e.forgot, id)
			}
		})
	}
	// The cache serves the update at once on this node.
	if got, _ := e.clients.Lookup(context.Background(), id); got.Name != "m" || !got.FullAccessAllowed {
		t.Errorf("lookup after update = %+v", got)
	}
	// Another project sees nothing.
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if code, out, _ := e.callAs(e.other, e.otherSec, m, path, map[string]any{}); code != 404 || out["error_type"] != "connected_app_not_found" {
			t.Errorf("%s from another project = %d %v", m, code, out)
		}
	}
	code, out, _ := e.call("DELETE", path, nil)
	if code != 200 || out["client_id"] != id {
		t.Fatalf("delete = %d %v", code, out)
	}
	if _, err := e.clients.Lookup(context.Background(), id); err == nil {
		t.Error("lookup after delete still finds the client")
	}
	if code, _, _ := e.call("GET", path, nil); code != 404 {
		t.Errorf("get after delete = %d", code)
	}
}

func TestConnectedSearch(t *testing.T) {
	e := newCAEnv(t)
	var ids []string
	for i := range 5 {
		ids = append(ids, e.create(map[string]any{"client_type": TypeThirdParty, "client_name": fmt.Sprint(i)})["client_id"].(string))
	}
	e.callAs(e.other, e.otherSec, "POST", "/v1/connected_apps/clients", map[string]any{"client_type": TypeThirdParty})
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		code, out, _ := e.call("POST", "/v1/connected_apps/clients/search", map[string]any{"limit": 2, "cursor": cursor})
		if code != 200 || pages > 3 {
			t.Fatalf("search = %d %v", code, out)
		}
		for _, c := range out["connected_apps"].([]any) {
			got = append(got, c.(map[string]any)["client_id"].(string))
		}
		next := out["results_metadata"].(map[string]any)["next_cursor"]
		if next == nil {
			break
		}
		cursor = next.(string)
	}
	if !slices.Equal(got, ids) {
		t.Errorf("paged search = %v, want %v (oldest first, this project only)", got, ids)
	}
	if code, out, _ := e.call("POST", "/v1/connected_apps/clients/search", map[string]any{"cursor": "garbage"}); code != 400 || out["error_type"] != "invalid_cursor" {
		t.Errorf("bad cursor = %d %v", code, out)
	}
	if code, _, _ := e.call("POST", "/v1/connected_apps/clients/search", map[string]any{"limit": 5000}); code != 400 {
		t.Errorf("limit 5000 = %d", code)
	}
}

func TestConnectedSecretRotation(t *testing.T) {
	e := newCAEnv(t)
	c := e.create(map[string]any{"client_type": TypeThirdParty})
	id, first := c["client_id"].(string), c["client_secret"].(string)
	base := "/v1/connected_apps/clients/" + id + "/secrets/rotate"
	ctx := context.Background()
	authenticates := func(secret string) bool {
		app, err := e.clients.Lookup(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return e.clients.Authenticate(app, secret)
	}

	for _, p := range []string{base, base + "/cancel"} {
		if code, out, _ := e.call("POST", p, nil); code != 400 || out["error_type"] != "no_secret_rotation_in_progress" {
			t.Errorf("%s before start = %d %v", p, code, out)
		}
	}
	code, out, hdr := e.call("POST", base+"/start", nil)
	if code != 200 || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("start = %d %v", code, out)
	}
	started := out["connected_app"].(map[string]any)
	if got := sortedKeys(started); !slices.Equal(got, plus("next_client_secret")) {
		t.Errorf("start keys = %v", got)
	}
	next := started["next_client_secret"].(string)
	if len(next) != 43 || started["next_client_secret_last_four"] != next[39:] || started["client_secret_last_four"] != first[39:] {
		t.Errorf("start = %v", started)
	}
	if !authenticates(first) || !authenticates(next) || authenticates("wrong") {
		t.Errorf("mid-rotation: both secrets must authenticate, nothing else")
	}
	if code, out, _ := e.call("POST", base+"/start", nil); code != 400 || out["error_type"] != "secret_rotation_in_progress" {
		t.Errorf("second start = %d %v", code, out)
	}
	// Cancel: only the first again.
	if code, out, _ := e.call("POST", base+"/cancel", nil); code != 200 || out["connected_app"].(map[string]any)["next_client_secret_last_four"] != nil {
		t.Fatalf("cancel = %d %v", code, out)
	}
	if !authenticates(first) || authenticates(next) {
		t.Errorf("after cancel: want only the first secret")
	}
	_, out, _ = e.call("POST", base+"/start", nil)
	next = out["connected_app"].(map[string]any)["next_client_secret"].(string)
	code, out, _ = e.call("POST", base, nil)
	done := out["connected_app"].(map[string]any)
	if code != 200 || done["client_secret_last_four"] != next[39:] || done["next_client_secret_last_four"] != nil || done["next_client_secret"] != nil {
		t.Fatalf("rotate = %d %v", code, out)
	}
	if authenticates(first) || !authenticates(next) {
		t.Errorf("after rotate: the old secret must fail, the new one work")
	}
	if want := []string{id, id, id, id}; !slices.Equal(*e.forgot, want) {
		t.Errorf("cache told %v, want %v", *e.forgot, want)
	}
	// Public clients have nothing to rotate.
	pub := e.create(map[string]any{"client_type": TypeFirstPartyPublic})["client_id"].(string)
	if code, out, _ := e.call("POST", "/v1/connected_apps/clients/"+pub+"/secrets/rotate/start", nil); code != 400 || out["error_type"] != "invalid_client_type" {
		t.Errorf("rotate public = %d %v", code, out)
	}
}

func TestUserConnectedApps(t *testing.T) {
	e := newCAEnv(t)
	ctx := context.Background()
	now := store.Now(time.Now)
	u := store.User{ID: "user-test-" + uuid.NewString(), ProjectID: e.project, Status: "active", CreatedAt: now, UpdatedAt: now}
	if err := e.st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	app := e.create(map[string]any{"client_type": TypeThirdParty, "client_name": "Acme", "client_description": "d", "logo_url": "https://acme.example/l.png"})
	appID := app["client_id"].(string)
	other := e.create(map[string]any{"client_type": TypeFirstParty})["client_id"].(string)
	for _, c := range []store.Consent{
		{ProjectID: e.project, UserID: u.ID, ClientID: appID, Scopes: []string{"openid", "email"}, GrantedAt: now},
		{ProjectID: e.project, UserID: u.ID, ClientID: appID, Scopes: []string{"offline_access"}, GrantedAt: now},
	} {
		if err := e.st.SaveConsent(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	path := "/v1/users/" + u.ID + "/connected_apps"
	code, out, _ := e.call("GET", path, nil)
	if code != 200 {
		t.Fatalf("list = %d %v", code, out)
	}
	list := out["connected_apps"].([]any)
	want := map[string]any{"connected_app_id": appID, "name": "Acme", "description": "d", "client_type": TypeThirdParty,
		"scopes_granted": "openid email offline_access", "logo_url": "https://acme.example/l.png"}
	if len(list) != 1 || fmt.Sprint(list[0]) != fmt.Sprint(want) {
		t.Errorf("connected_apps = %v, want [%v]", list, want)
	}
	tests := []struct {
		name, path string
		code       int
		errType    string
	}{
		{"unknown user", "/v1/users/user-test-nope/connected_apps/" + appID + "/revoke", 404, "user_not_found"},
		{"unknown app", path + "/connected-app-test-nope/revoke", 404, "connected_app_not_found"},
		{"never granted: nothing to do", path + "/" + other + "/revoke", 200, ""},
		{"revoke", path + "/" + appID + "/revoke", 200, ""},
		{"again", path + "/" + appID + "/revoke", 200, ""},
	}
	for _, tt := range tests {
		code, out, _ := e.call("POST", tt.path, nil)
		if code != tt.code || (tt.errType != "" && out["error_type"] != tt.errType) {
			t.Errorf("%s: %d %v", tt.name, code, out)
		}
	}
	if _, err := e.st.Consent(ctx, e.project, u.ID, appID); err == nil {
		t.Error("consent still stored after revoke")
	}
	if code, out, _ := e.call("GET", path, nil); code != 200 || len(out["connected_apps"].([]any)) != 0 {
		t.Errorf("list after revoke = %d %v", code, out)
	}
	if code, out, _ := e.callAs(e.other, e.otherSec, "GET", path, nil); code != 404 {
		t.Errorf("another project's list = %d %v", code, out)
	}
}
