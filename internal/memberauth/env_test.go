package memberauth_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/memberauth"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/password"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testdb"
	"github.com/signet-id/signet/internal/users"
)

const issuer = "https://signet.test"

// cheap keeps the tests fast: the argon2id parameters do not change what
// is tested.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// env is the organizations and B2B sign-in handlers on a real store
// (SQLite, or Postgres when SIGNET_TEST_POSTGRES is set), with two B2B
// projects and a consumer one, and a clock the test moves.
type env struct {
	st      store.Store
	km      *keys.Manager
	hasher  *password.Hasher
	http    http.Handler
	now     time.Time
	real    bool // the clock is time.Now (benchmarks)
	b2b     credentials
	other   credentials
	classic credentials
}

type credentials struct{ id, secret string }

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{st: testdb.Open(t), now: time.Now().UTC().Truncate(time.Second)}
	var mk [32]byte
	rand.Read(mk[:])
	master, err := keys.ParseMasterKey(base64.StdEncoding.EncodeToString(mk[:]))
	if err != nil {
		t.Fatal(err)
	}
	e.km = keys.NewManager(e.st, master, keys.Options{})
	pepper := secrets.NewPepper(mk[:])
	for _, p := range []struct {
		c        *credentials
		vertical string
	}{{&e.b2b, store.VerticalB2B}, {&e.other, store.VerticalB2B}, {&e.classic, store.VerticalConsumer}} {
		proj, secret, err := projects.CreateVertical(t.Context(), e.st, e.km, pepper, "test", p.vertical, e.now)
		if err != nil {
			t.Fatal(err)
		}
		*p.c = credentials{proj.ID, secret}
	}
	clock := func() time.Time {
		if e.real {
			return time.Now()
		}
		return e.now
	}
	e.hasher = password.NewHasher(cheap, 0)
	// A throttle small enough to reach: two free failures per address,
	// then an hour's delay.
	throttle := users.Throttle{AddressLimit: 1000, AddressWindow: time.Hour, FreeFailures: 2, Delay: time.Hour, MaxDelay: time.Hour}
	accounts := users.NewService(users.Config{Store: e.st, Keys: e.km, Pepper: pepper, Issuer: issuer, Hasher: e.hasher, Throttle: throttle, Now: clock})
	organizations := &orgs.Service{Store: e.st, Now: clock}
	svc := memberauth.NewService(memberauth.Config{Store: e.st, Orgs: organizations, Guard: accounts, Keys: e.km,
		Pepper: pepper, Issuer: issuer, Hasher: e.hasher, Now: clock})
	auth := projects.NewAuth(e.st, pepper, time.Minute)
	mux := http.NewServeMux()
	(&orgs.Handler{Auth: auth, Orgs: organizations}).Mount(mux)
	(&memberauth.Handler{Auth: auth, Service: svc, ClientIP: clientip.New(nil), Policies: rbac.NewService(e.st, clock)}).Mount(mux)
	(&memberauth.DiscoveryHandler{Auth: auth, Discovery: memberauth.NewDiscovery(svc, organizations, e.st), ClientIP: clientip.New(nil)}).Mount(mux)
	// The consumer routes too, for the benchmarks' twin.
	(&users.Handler{Auth: auth, Service: accounts, ClientIP: clientip.New(nil)}).Mount(mux)
	e.http = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, api.WithRequestID(r)) })
	return e
}

type obj = map[string]any

// callFrom sends a request as project c from the client address remote.
func (e *env) callFrom(t *testing.T, c credentials, remote, method, path string, body any) (int, obj) {
	t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	req.RemoteAddr = remote
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

const here = "192.0.2.1:1234"

func (e *env) must(t *testing.T, method, path string, body any) obj {
	t.Helper()
	code, out := e.callFrom(t, e.b2b, here, method, path, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s = %d %v, want 200", method, path, code, out)
	}
	return out
}

func (e *env) fails(t *testing.T, status int, errType, method, path string, body any) obj {
	t.Helper()
	return e.failsAs(t, e.b2b, here, status, errType, method, path, body)
}

func (e *env) failsAs(t *testing.T, c credentials, remote string, status int, errType, method, path string, body any) obj {
	t.Helper()
	code, out := e.callFrom(t, c, remote, method, path, body)
	if code != status || out["error_type"] != errType {
		t.Fatalf("%s %s = %d %v (%v); want %d %s", method, path, code, out["error_type"], out["error_message"], status, errType)
	}
	if s, _ := out["error_message"].(string); s == "" {
		t.Errorf("error body lacks error_message: %v", out)
	}
	return out
}

func str(v obj, k string) string { s, _ := v[k].(string); return s }

// org creates an organization with this slug and returns its ID.
func (e *env) org(t *testing.T, slug string, extra obj) string {
	t.Helper()
	body := obj{"organization_name": slug, "organization_slug": slug}
	for k, v := range extra {
		body[k] = v
	}
	return str(e.must(t, "POST", "/v1/b2b/organizations", body)["organization"].(obj), "organization_id")
}

// migrateBcrypt gives email a bcrypt-hashed pw in org (cost 4).
func (e *env) migrateBcrypt(t *testing.T, org, email, pw string) obj {
	t.Helper()
	return e.must(t, "POST", "/v1/b2b/passwords/migrate", obj{"organization_id": org, "email_address": email,
		"hash_type": "bcrypt", "hash": bcryptHash(t, pw)})
}

// signIn is passwords.authenticate that has to succeed.
func (e *env) signIn(t *testing.T, org, email, pw string) obj {
	t.Helper()
	return e.must(t, "POST", "/v1/b2b/passwords/authenticate", obj{"organization_id": org, "email_address": email, "password": pw})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
