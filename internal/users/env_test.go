package users_test

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

	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/testclock"
	"github.com/signet-id/signet/internal/testdb"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/discovery"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/password"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
)

const issuer = "https://id.example.test"

// cheap argon2id parameters keep the suite fast; cost does not change the
// logic under test (internal/password tests the hashing itself).
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// env is a users.Service and its Handler (plus the JWKS routes) on a real
// store with one project.
type env struct {
	st        store.Store
	keys      *keys.Manager
	pepper    secrets.Pepper
	svc       *users.Service
	http      http.Handler
	clock     *testclock.Clock
	projectID string
	secret    string
	// policies holds the project's RBAC policy (envPolicy), against which
	// the service checks role assignments.
	policies *rbac.Service
}

// envPolicy is the env project's RBAC policy: stytch_user and the roles
// the tests assign (admin, a, b).
const envPolicy = `{"resources": [{"resource_id": "documents", "description": "", "actions": ["read", "write"]}],
	"roles": [
		{"role_id": "stytch_user", "description": "", "permissions": []},
		{"role_id": "admin", "description": "", "permissions": [{"resource_id": "documents", "actions": ["*"]}]},
		{"role_id": "a", "description": "", "permissions": []},
		{"role_id": "b", "description": "", "permissions": []}],
	"scopes": []}`

// setup is what an env's service and handler are built from.
type setup struct {
	users.Config
	ClientIP clientip.Resolver
	Policies users.Policies // nil: authorization checks are refused
}

// newEnv builds an env; configure may adjust the setup before the service
// and handler are built.
func newEnv(t testing.TB, configure ...func(*setup)) *env {
	t.Helper()
	return newEnvOn(t, testdb.Open(t), configure...)
}

// newEnvOn builds an env on st.
func newEnvOn(t testing.TB, st store.Store, configure ...func(*setup)) *env {
	t.Helper()
	e := &env{st: st, clock: testclock.New(time.Now().UTC())}
	var mk [32]byte
	rand.Read(mk[:])
	master, err := keys.ParseMasterKey(base64.StdEncoding.EncodeToString(mk[:]))
	if err != nil {
		t.Fatal(err)
	}
	e.keys = keys.NewManager(e.st, master, keys.Options{Now: e.clock.Now})
	e.pepper = secrets.NewPepper(mk[:])
	p, secret, err := projects.Create(t.Context(), e.st, e.keys, e.pepper, "test", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.projectID, e.secret = p.ID, secret
	e.policies = rbac.NewService(e.st, e.clock.Now)
	if _, err := e.policies.SetPolicy(t.Context(), p, []byte(envPolicy)); err != nil {
		t.Fatal(err)
	}
	e.serve(configure...)
	return e
}

// serve builds e's service and handler on e.st.
func (e *env) serve(configure ...func(*setup)) {
	s := setup{Config: users.Config{
		Store:    e.st,
		Keys:     e.keys,
		Pepper:   e.pepper,
		Issuer:   issuer,
		Hasher:   password.NewHasher(cheap, 0),
		Now:      e.clock.Now,
		Policies: e.policies,
	}}
	for _, fn := range configure {
		fn(&s)
	}
	e.svc = users.NewService(s.Config)
	mux := http.NewServeMux()
	(&users.Handler{Auth: projects.NewAuth(e.st, e.pepper, time.Minute), Service: e.svc, ClientIP: s.ClientIP, Policies: s.Policies}).Mount(mux)
	(&discovery.Handler{Keys: e.keys, Projects: e.st}).Mount(mux)
	e.http = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, api.WithRequestID(r))
	})
}

// obj is a decoded JSON object.
type obj = map[string]any

// call sends an authenticated request and returns the status and body.
func (e *env) call(t *testing.T, method, path string, body any) (int, obj) {
	t.Helper()
	return e.callAs(t, e.projectID, e.secret, method, path, body)
}

func (e *env) callAs(t *testing.T, projectID, secret, method, path string, body any) (int, obj) {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	req.SetBasicAuth(projectID, secret)
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
	code, out := e.call(t, method, path, body)
	if code != status || out["error_type"] != errType {
		t.Fatalf("%s %s = %d %v; want %d %s", method, path, code, out["error_type"], status, errType)
	}
	for _, k := range []string{"error_message", "error_url"} {
		if s, _ := out[k].(string); s == "" {
			t.Errorf("error body lacks %s: %v", k, out)
		}
	}
	return out
}

// keysOf lists an object's keys, sorted.
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
	sort.Strings(want)
	if got := keysOf(v); !slices.Equal(got, want) {
		t.Errorf("%s keys = %v\nwant %v", what, got, want)
	}
}

// wantTime checks an RFC 3339 UTC timestamp.
func wantTime(t *testing.T, what string, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		t.Errorf("%s = %v, want an RFC 3339 UTC time", what, v)
	}
	return tm
}

// userKeys is the User object of §5.1.
var userKeys = []string{"user_id", "emails", "status", "phone_numbers", "webauthn_registrations", "providers",
	"totps", "crypto_wallets", "biometric_registrations", "is_locked", "roles", "name", "created_at", "password",
	"trusted_metadata", "untrusted_metadata", "external_id", "lock_created_at", "lock_expires_at"}

// sessionKeys is the Session object of §5.2.
var sessionKeys = []string{"session_id", "user_id", "authentication_factors", "roles", "started_at",
	"last_accessed_at", "expires_at", "attributes", "custom_claims"}

const strongPassword = "v8#Lq2!mZr@9wTe4"

// signup creates a user with a password and returns the passwords.create body.
func (e *env) signup(t *testing.T, email string) obj {
	t.Helper()
	return e.must(t, "POST", "/v1/passwords", obj{"email": email, "password": strongPassword})
}
