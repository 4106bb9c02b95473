package orgs_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testdb"
)

// env is the orgs handler on a real store (SQLite, or Postgres when
// SIGNET_TEST_POSTGRES is set) with two B2B projects and a consumer one.
type env struct {
	st       store.Store
	svc      *orgs.Service
	policies *rbac.Service // e.b2b's policy is envPolicy
	http     http.Handler
	now      time.Time
	b2b      credentials // the project most calls use
	other    credentials // another B2B project
	classic  credentials // a consumer project
}

type credentials struct{ id, secret string }

// envPolicy is e.b2b's RBAC policy: Stytch's default roles and those the
// tests assign (billing, editor, viewer).
const envPolicy = `{"resources": [{"resource_id": "documents", "description": "", "actions": ["read", "write"]}],
	"roles": [
		{"role_id": "stytch_member", "description": "", "permissions": []},
		{"role_id": "stytch_admin", "description": "", "permissions": [{"resource_id": "documents", "actions": ["*"]}]},
		{"role_id": "billing", "description": "", "permissions": []},
		{"role_id": "editor", "description": "", "permissions": [{"resource_id": "documents", "actions": ["write"]}]},
		{"role_id": "viewer", "description": "", "permissions": [{"resource_id": "documents", "actions": ["read"]}]}],
	"scopes": []}`

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{st: testdb.Open(t), now: time.Now().UTC().Truncate(time.Second)}
	var mk [32]byte
	rand.Read(mk[:])
	master, err := keys.ParseMasterKey(base64.StdEncoding.EncodeToString(mk[:]))
	if err != nil {
		t.Fatal(err)
	}
	km := keys.NewManager(e.st, master, keys.Options{})
	pepper := secrets.NewPepper(mk[:])
	for _, p := range []struct {
		c        *credentials
		vertical string
	}{{&e.b2b, store.VerticalB2B}, {&e.other, store.VerticalB2B}, {&e.classic, store.VerticalConsumer}} {
		proj, secret, err := projects.CreateVertical(t.Context(), e.st, km, pepper, "test", p.vertical, e.now)
		if err != nil {
			t.Fatal(err)
		}
		*p.c = credentials{proj.ID, secret}
	}
	e.policies = rbac.NewService(e.st, func() time.Time { return e.now })
	if _, err := e.policies.SetPolicy(t.Context(), store.Project{ID: e.b2b.id, Vertical: store.VerticalB2B}, []byte(envPolicy)); err != nil {
		t.Fatal(err)
	}
	e.svc = &orgs.Service{Store: e.st, Now: func() time.Time { return e.now }, Policies: e.policies}
	mux := http.NewServeMux()
	(&orgs.Handler{Auth: projects.NewAuth(e.st, pepper, time.Minute), Orgs: e.svc}).Mount(mux)
	e.http = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, api.WithRequestID(r))
	})
	return e
}

// obj is a decoded JSON object.
type obj = map[string]any

func (e *env) call(t *testing.T, method, path string, body any) (int, obj) {
	t.Helper()
	return e.callAs(t, e.b2b, method, path, body)
}

func (e *env) callAs(t *testing.T, c credentials, method, path string, body any) (int, obj) {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	req.SetBasicAuth(c.id, c.secret)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.http.ServeHTTP(rec, req)
	var out obj
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, rec.Body.String(), err)
	}
	if out["status_code"] != float64(rec.Code) || !strings.HasPrefix(fmt.Sprint(out["request_id"]), "request-id-") {
		t.Errorf("%s %s: body lacks status_code %d or request_id: %v", method, path, rec.Code, out)
	}
	return rec.Code, out
}

// must sends a request that has to succeed with 200.
func (e *env) must(t *testing.T, method, path string, body any) obj {
	t.Helper()
	code, out := e.call(t, method, path, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s = %d %v, want 200", method, path, code, out)
	}
	return out
}

// fails sends a request that has to fail with status and error_type.
func (e *env) fails(t *testing.T, status int, errType, method, path string, body any) obj {
	t.Helper()
	return e.failsAs(t, e.b2b, status, errType, method, path, body)
}

func (e *env) failsAs(t *testing.T, c credentials, status int, errType, method, path string, body any) obj {
	t.Helper()
	code, out := e.callAs(t, c, method, path, body)
	if code != status || out["error_type"] != errType {
		t.Fatalf("%s %s = %d %v (%v); want %d %s", method, path, code, out["error_type"], out["error_message"], status, errType)
	}
	for _, k := range []string{"error_message", "error_url"} {
		if s, _ := out[k].(string); s == "" {
			t.Errorf("error body lacks %s: %v", k, out)
		}
	}
	return out
}

// createOrg creates an organization and returns it (the response's
// "organization").
func (e *env) createOrg(t *testing.T, body obj) obj {
	t.Helper()
	return e.must(t, "POST", "/v1/b2b/organizations", body)["organization"].(obj)
}

// createMember creates a member of org and returns the response.
func (e *env) createMember(t *testing.T, org string, body obj) obj {
	t.Helper()
	return e.must(t, "POST", "/v1/b2b/organizations/"+org+"/members", body)
}

func keysOf(v any) []string {
	m, _ := v.(obj)
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// wantKeys checks an object has exactly these keys (the golden wire shape).
func wantKeys(t *testing.T, what string, v any, want ...string) {
	t.Helper()
	want = slices.Clone(want)
	sort.Strings(want)
	if got := keysOf(v); !slices.Equal(got, want) {
		t.Errorf("%s keys = %v\nwant %v", what, got, want)
	}
}

// orgKeys is the Node SDK's Organization (the optional members Signet
// leaves out: sso_default_connection_id, scim_active_connection) plus
// Signet's status.
var orgKeys = []string{"organization_id", "organization_name", "organization_logo_url", "organization_slug",
	"organization_external_id", "sso_jit_provisioning", "sso_jit_provisioning_allowed_connections",
	"sso_active_connections", "email_allowed_domains", "email_jit_provisioning", "email_invites", "auth_methods",
	"allowed_auth_methods", "mfa_policy", "rbac_email_implicit_role_assignments", "mfa_methods",
	"allowed_mfa_methods", "oauth_tenant_jit_provisioning", "allowed_oauth_tenants", "claimed_email_domains",
	"first_party_connected_apps_allowed_type", "allowed_first_party_connected_apps",
	"third_party_connected_apps_allowed_type", "allowed_third_party_connected_apps", "custom_roles",
	"trusted_metadata", "created_at", "updated_at", "status"}

// memberKeys is the Node SDK's Member (less scim_registration).
var memberKeys = []string{"organization_id", "member_id", "email_address", "status", "name", "sso_registrations",
	"is_breakglass", "member_password_id", "oauth_registrations", "email_address_verified",
	"mfa_phone_number_verified", "is_admin", "totp_registration_id", "retired_email_addresses", "is_locked",
	"mfa_enrolled", "mfa_phone_number", "default_mfa_method", "roles", "trusted_metadata", "untrusted_metadata",
	"created_at", "updated_at", "external_id", "lock_created_at", "lock_expires_at"}

// str reads a string field.
func str(v obj, k string) string { s, _ := v[k].(string); return s }

// strs reads a list of strings.
func strs(v any) []string {
	l, _ := v.([]any)
	out := []string{}
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// raw sends a request and returns the body as it came.
func (e *env) raw(t *testing.T, c credentials, method, path string, body string) []byte {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.SetBasicAuth(c.id, c.secret)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.http.ServeHTTP(rec, req)
	return rec.Body.Bytes()
}
