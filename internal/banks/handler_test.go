package banks

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/sqlite"
)

type env struct {
	t       *testing.T
	st      *sqlite.DB
	sealer  *Sealer
	mux     *http.ServeMux
	project store.Project
	secret  string
	other   store.Project
	otherSe string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.OpenAndMigrate(context.Background(), filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pepper := secrets.NewPepper(bytes.Repeat([]byte{7}, 32))
	e := &env{t: t, st: st, sealer: NewSealer(keys.GenerateMasterKey()), mux: http.NewServeMux()}
	newProject := func(id string) (store.Project, string) {
		secret := secrets.New("secret-test-")
		p := store.Project{ID: id, Name: id, SecretHash: pepper.Hash(secret), TokenAlg: "RS256", CreatedAt: store.Now(nil)}
		if err := st.CreateProject(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		return p, secret
	}
	e.project, e.secret = newProject("project-test-a")
	e.other, e.otherSe = newProject("project-test-b")
	(&Handler{Auth: projects.NewAuth(st, pepper, time.Minute), Registry: &Registry{Store: st, Sealer: e.sealer}}).Mount(e.mux)
	return e
}

// call sends a request as the main project; it returns the status, the
// decoded body and the raw body.
func (e *env) call(method, path string, body any) (int, map[string]any, string) {
	return e.callAs(e.project.ID, e.secret, method, path, body)
}

func (e *env) callAs(projectID, secret, method, path string, body any) (int, map[string]any, string) {
	e.t.Helper()
	if m, ok := body.(map[string]any); ok && method == "POST" && path == "/v1/banks" {
		if _, set := m["skip_checks"]; !set {
			// These tests are of the registry, at banks that do not
			// exist: the onboarding checks have theirs (check_test.go).
			m = maps.Clone(m)
			m["skip_checks"] = true
			body = m
		}
	}
	var rd *bytes.Reader
	if body == nil {
		rd = bytes.NewReader(nil)
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
	return rec.Code, out, rec.Body.String()
}

func (e *env) create(body map[string]any) map[string]any {
	e.t.Helper()
	code, out, _ := e.call("POST", "/v1/banks", body)
	if code != 200 {
		e.t.Fatalf("create = %d %v", code, out)
	}
	return out["bank"].(map[string]any)
}

// fapiBank is a private_key_jwt bank that also holds an mTLS certificate.
func fapiBank(t *testing.T) map[string]any {
	f := fixtures()
	return map[string]any{
		"issuer": "https://bank.example", "display_name": "Example Bank", "logo_url": "https://bank.example/logo.svg",
		"primary_color": "#0A3D62", "background_color": "#fff", "client_id": "rp-123",
		"auth_method": "private_key_jwt", "jwks": json.RawMessage(f.rsaJWKS),
		"tls_client_cert": f.certPEM, "tls_client_key": f.keyPEM,
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// wantNoSecrets fails if a response body carries any credential.
func wantNoSecrets(t *testing.T, body string, extra ...string) {
	t.Helper()
	f := fixtures()
	for _, s := range append([]string{"BEGIN", "PRIVATE KEY", `"d":`, `"jwks"`, `"client_secret"`, `"tls_client_key"`,
		`"tls_client_cert"`, f.rsaJWKS[20:60]}, extra...) {
		if strings.Contains(body, s) {
			t.Fatalf("response leaks %q: %s", s, body)
		}
	}
}

func TestCRUD(t *testing.T) {
	e := newEnv(t)
	b := e.create(fapiBank(t))
	id, _ := b["bank_id"].(string)
	if !strings.HasPrefix(id, "bank-") {
		t.Fatalf("bank_id = %q", id)
	}
	for k, want := range map[string]any{
		"issuer": "https://bank.example", "display_name": "Example Bank", "logo_url": "https://bank.example/logo.svg",
		"primary_color": "#0A3D62", "background_color": "#fff", "client_id": "rp-123", "auth_method": "private_key_jwt",
		"has_client_secret": false, "has_tls_client_cert": true, "has_jwks": true,
	} {
		if b[k] != want {
			t.Errorf("%s = %v, want %v", k, b[k], want)
		}
	}
	e.create(with(fapiBank(t), "issuer", "http://127.0.0.1:9001", "display_name", "Alpha Sandbox",
		"auth_method", "client_secret_basic", "client_secret", "s3cret-at-the-bank", "jwks", nil,
		"tls_client_cert", nil, "tls_client_key", nil))

	code, out, raw := e.call("GET", "/v1/banks", nil)
	if code != 200 {
		t.Fatalf("list = %d %v", code, out)
	}
	list := out["banks"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["display_name"] != "Alpha Sandbox" ||
		list[1].(map[string]any)["bank_id"] != id {
		t.Fatalf("list = %v", list)
	}
	if list[0].(map[string]any)["has_client_secret"] != true {
		t.Errorf("has_client_secret = %v", list[0])
	}
	wantNoSecrets(t, raw, "s3cret-at-the-bank")

	code, out, raw = e.call("GET", "/v1/banks/"+id, nil)
	if code != 200 || out["bank"].(map[string]any)["issuer"] != "https://bank.example" {
		t.Fatalf("get = %d %v", code, out)
	}
	wantNoSecrets(t, raw)

	// A partial update keeps what it does not name, credentials included.
	code, out, raw = e.call("PUT", "/v1/banks/"+id, map[string]any{"display_name": "Renamed Bank", "primary_color": "#123"})
	if code != 200 {
		t.Fatalf("update = %d %v", code, out)
	}
	ub := out["bank"].(map[string]any)
	if ub["display_name"] != "Renamed Bank" || ub["primary_color"] != "#123" || ub["issuer"] != "https://bank.example" ||
		ub["has_jwks"] != true || ub["has_tls_client_cert"] != true || ub["created_at"] != b["created_at"] {
		t.Fatalf("update = %v", ub)
	}
	wantNoSecrets(t, raw)
	creds, err := (&Registry{Store: e.st, Sealer: e.sealer}).Credentials(t.Context(), e.project.ID, id)
	if err != nil || string(creds.JWKS) != fixtures().rsaJWKS || creds.TLSClientKey != fixtures().keyPEM {
		t.Fatalf("credentials after update: %v", err)
	}

	// Switching the method needs that method's credentials.
	code, out, _ = e.call("PUT", "/v1/banks/"+id, map[string]any{"auth_method": "client_secret_basic"})
	if code != 400 || out["error_type"] != "invalid_bank" {
		t.Fatalf("switch without secret = %d %v", code, out)
	}
	code, out, raw = e.call("PUT", "/v1/banks/"+id, map[string]any{"auth_method": "client_secret_basic", "client_secret": "new-secret-xyz"})
	if code != 200 || out["bank"].(map[string]any)["has_client_secret"] != true {
		t.Fatalf("switch with secret = %d %v", code, out)
	}
	wantNoSecrets(t, raw, "new-secret-xyz")

	code, out, _ = e.call("DELETE", "/v1/banks/"+id, nil)
	if code != 200 || out["bank_id"] != id {
		t.Fatalf("delete = %d %v", code, out)
	}
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		code, out, _ = e.call(m, "/v1/banks/"+id, map[string]any{})
		if code != 404 || out["error_type"] != "bank_not_found" {
			t.Fatalf("%s after delete = %d %v", m, code, out)
		}
	}
}

func TestValidation(t *testing.T) {
	e := newEnv(t)
	f := fixtures()
	for _, tc := range []struct {
		name string
		body map[string]any
		msg  string
	}{
		{"no issuer", with(fapiBank(t), "issuer", nil), "issuer is required"},
		{"relative issuer", with(fapiBank(t), "issuer", "bank.example"), "absolute URL"},
		{"http issuer", with(fapiBank(t), "issuer", "http://bank.example"), "https"},
		{"issuer query", with(fapiBank(t), "issuer", "https://bank.example/?a=b"), "query"},
		{"issuer fragment", with(fapiBank(t), "issuer", "https://bank.example/#x"), "fragment"},
		{"issuer userinfo", with(fapiBank(t), "issuer", "https://u:p@bank.example"), "credentials"},
		{"no name", with(fapiBank(t), "display_name", nil), "display_name is required"},
		{"control in name", with(fapiBank(t), "display_name", "Bank\x07"), "display_name"},
		{"http logo", with(fapiBank(t), "logo_url", "http://bank.example/logo.png"), "logo_url"},
		{"bad primary", with(fapiBank(t), "primary_color", "blue"), "primary_color"},
		{"bad background", with(fapiBank(t), "background_color", "#12345"), "background_color"},
		{"no client id", with(fapiBank(t), "client_id", nil), "client_id is required"},
		{"no method", with(fapiBank(t), "auth_method", nil), "auth_method is required"},
		{"bad method", with(fapiBank(t), "auth_method", "client_secret_post"), "not supported"},
		{"secret missing", with(fapiBank(t), "auth_method", "client_secret_basic"), "client_secret is required"},
		{"cert missing", with(fapiBank(t), "auth_method", "tls_client_auth", "tls_client_cert", nil, "tls_client_key", nil), "required for tls_client_auth"},
		{"cert without key", with(fapiBank(t), "tls_client_key", nil), "go together"},
		{"cert not PEM", with(fapiBank(t), "tls_client_cert", "not a cert"), "PEM certificate"},
		{"key does not match", with(fapiBank(t), "tls_client_key", f.otherKeyPEM), "PEM certificate"},
		{"jwks missing", with(fapiBank(t), "jwks", nil), "private RSA signing key"},
		{"jwks only EC", with(fapiBank(t), "jwks", json.RawMessage(f.ecJWKS)), "private RSA signing key"},
		{"jwks public", with(fapiBank(t), "jwks", json.RawMessage(f.publicJWKS)), "must be a private"},
		{"jwks empty", with(fapiBank(t), "jwks", json.RawMessage(`{"keys":[]}`)), "no keys"},
		{"jwks garbage", with(fapiBank(t), "jwks", json.RawMessage(`{"keys":[{"kty":"nope"}]}`)), "JWK Set"},
		{"tls_server_ca not PEM", with(fapiBank(t), "tls_server_ca", "hello"), "PEM CA certificates"},
		{"tls_server_ca a private key", with(fapiBank(t), "tls_server_ca", f.keyPEM), "only CERTIFICATE blocks"},
		{"jwks without an encryption key", with(fapiBank(t), "jwks", json.RawMessage(f.signOnlyJWKS)), "RSA encryption key"},
		{"jwks symmetric", with(fapiBank(t), "jwks", json.RawMessage(`{"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0"}]}`)), "must be a private"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, raw := e.call("POST", "/v1/banks", tc.body)
			if code != 400 || out["error_type"] != "invalid_bank" {
				t.Fatalf("= %d %v", code, out)
			}
			if msg, _ := out["error_message"].(string); !strings.Contains(msg, tc.msg) {
				t.Fatalf("error_message = %q, want it to mention %q", msg, tc.msg)
			}
			wantNoSecrets(t, raw)
		})
	}
	// Update validates the merged result the same way.
	id := e.create(fapiBank(t))["bank_id"].(string)
	code, out, _ := e.call("PUT", "/v1/banks/"+id, map[string]any{"primary_color": "red"})
	if code != 400 || out["error_type"] != "invalid_bank" {
		t.Fatalf("update = %d %v", code, out)
	}
	// Nothing was created by the failures.
	if _, out, _ := e.call("GET", "/v1/banks", nil); len(out["banks"].([]any)) != 1 {
		t.Fatalf("list = %v", out)
	}
}

func TestOptionalCredentials(t *testing.T) {
	e := newEnv(t)
	f := fixtures()
	// tls_client_auth with a JWKS (for request objects) and an EC key.
	b := e.create(with(fapiBank(t), "auth_method", "tls_client_auth", "jwks", json.RawMessage(f.rsaJWKS)))
	if b["has_jwks"] != true || b["has_tls_client_cert"] != true || b["has_client_secret"] != false {
		t.Fatalf("create = %v", b)
	}
	// Minimal client_secret_basic bank: no logo, no colours.
	b = e.create(map[string]any{"issuer": "https://other.example/op", "display_name": "Other",
		"client_id": "c", "auth_method": "client_secret_basic", "client_secret": "x"})
	if b["has_jwks"] != false || b["has_tls_client_cert"] != false || b["logo_url"] != "" {
		t.Fatalf("create = %v", b)
	}
}

func TestDuplicateIssuer(t *testing.T) {
	e := newEnv(t)
	e.create(fapiBank(t))
	code, out, _ := e.call("POST", "/v1/banks", with(fapiBank(t), "display_name", "Again"))
	if code != 400 || out["error_type"] != "duplicate_issuer" {
		t.Fatalf("create = %d %v", code, out)
	}
	id := e.create(with(fapiBank(t), "issuer", "https://second.example"))["bank_id"].(string)
	code, out, _ = e.call("PUT", "/v1/banks/"+id, map[string]any{"issuer": "https://bank.example"})
	if code != 400 || out["error_type"] != "duplicate_issuer" {
		t.Fatalf("update = %d %v", code, out)
	}
	// Another project may register the same bank.
	code, out, _ = e.callAs(e.other.ID, e.otherSe, "POST", "/v1/banks", fapiBank(t))
	if code != 200 {
		t.Fatalf("other project create = %d %v", code, out)
	}
}

func TestProjectIsolation(t *testing.T) {
	e := newEnv(t)
	id := e.create(fapiBank(t))["bank_id"].(string)
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		code, out, _ := e.callAs(e.other.ID, e.otherSe, m, "/v1/banks/"+id, map[string]any{})
		if code != 404 || out["error_type"] != "bank_not_found" {
			t.Fatalf("%s from other project = %d %v", m, code, out)
		}
	}
	if _, out, _ := e.callAs(e.other.ID, e.otherSe, "GET", "/v1/banks", nil); len(out["banks"].([]any)) != 0 {
		t.Fatalf("other project lists %v", out)
	}
	code, out, _ := e.callAs(e.project.ID, "wrong", "GET", "/v1/banks", nil)
	if code != 401 {
		t.Fatalf("bad auth = %d %v", code, out)
	}
}

func TestSealedAtRest(t *testing.T) {
	e := newEnv(t)
	secret := "bank-client-secret-0123456789"
	a := e.create(with(fapiBank(t), "client_secret", secret))["bank_id"].(string)
	b := e.create(with(fapiBank(t), "issuer", "https://b.example", "client_secret", "other-secret"))["bank_id"].(string)

	ra, err := e.st.Bank(t.Context(), e.project.ID, a)
	if err != nil {
		t.Fatal(err)
	}
	f := fixtures()
	for _, plain := range []string{secret, "BEGIN", f.keyPEM[40:80], f.rsaJWKS[20:60], "client_secret"} {
		if bytes.Contains(ra.SealedSecrets, []byte(plain)) {
			t.Fatalf("sealed_secrets contains %q in clear", plain)
		}
	}
	c, err := e.sealer.Open(e.project.ID, a, ra.SealedSecrets)
	if err != nil || c.ClientSecret != secret {
		t.Fatalf("open own row: %v", err)
	}
	// Not under another bank's or project's AAD, nor another master key.
	if _, err := e.sealer.Open(e.project.ID, b, ra.SealedSecrets); err == nil {
		t.Fatal("opened under another bank's AAD")
	}
	if _, err := e.sealer.Open(e.other.ID, a, ra.SealedSecrets); err == nil {
		t.Fatal("opened under another project's AAD")
	}
	if _, err := NewSealer(keys.GenerateMasterKey()).Open(e.project.ID, a, ra.SealedSecrets); err == nil {
		t.Fatal("opened under another master key")
	}
	// A row given another row's blob is refused, not served.
	if _, err := e.st.UpdateBank(t.Context(), e.project.ID, b, func(v *store.Bank) error {
		v.SealedSecrets = ra.SealedSecrets
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	code, out, _ := e.call("GET", "/v1/banks/"+b, nil)
	if code != 500 {
		t.Fatalf("swapped row = %d %v", code, out)
	}
	// Credentials never print.
	for _, s := range []string{c.String(), c.GoString(), fmtV(c)} {
		if strings.Contains(s, secret) {
			t.Fatalf("credentials print: %s", s)
		}
	}
}
