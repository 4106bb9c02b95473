package memberauth_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkSessionAuthenticateB2B measures POST /v1/b2b/sessions/authenticate
// beside its consumer twin, POST /v1/sessions/authenticate, in one process
// on one store, so their ratio is measured in the same run: through the
// handlers (project auth, lookup, extend, JWT, the member and organization
// or the user, JSON), by session token and by session JWT, on the real
// clock. docs/benchmarks.md records a run.
func BenchmarkSessionAuthenticateB2B(b *testing.B) {
	e := newEnv(b)
	e.real = true
	post := func(c credentials, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.RemoteAddr = here
		req.SetBasicAuth(c.id, c.secret)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.http.ServeHTTP(rec, req)
		return rec
	}
	var consumer, member struct {
		SessionToken string `json:"session_token"`
		SessionJWT   string `json:"session_jwt"`
	}
	rec := post(e.classic, "/v1/passwords", `{"email":"bench@example.com","password":"`+pw+`","session_duration_minutes":600}`)
	if err := json.Unmarshal(rec.Body.Bytes(), &consumer); err != nil || consumer.SessionToken == "" {
		b.Fatalf("passwords create: %d %s", rec.Code, rec.Body)
	}
	post(e.b2b, "/v1/b2b/organizations", `{"organization_name":"Acme","organization_slug":"acme"}`)
	post(e.b2b, "/v1/b2b/passwords/migrate", `{"organization_id":"acme","email_address":"bench@acme.example","hash_type":"md_5","hash":"5f4dcc3b5aa765d61d8327deb882cf99"}`)
	rec = post(e.b2b, "/v1/b2b/passwords/authenticate", `{"organization_id":"acme","email_address":"bench@acme.example","password":"password","session_duration_minutes":600}`)
	if err := json.Unmarshal(rec.Body.Bytes(), &member); err != nil || member.SessionToken == "" {
		b.Fatalf("b2b passwords authenticate: %d %s", rec.Code, rec.Body)
	}
	for _, tc := range []struct {
		name, path, body string
		c                credentials
	}{
		{"consumer/token", "/v1/sessions/authenticate", `{"session_token":"` + consumer.SessionToken + `"}`, e.classic},
		{"b2b/token", "/v1/b2b/sessions/authenticate", `{"session_token":"` + member.SessionToken + `"}`, e.b2b},
		{"consumer/jwt", "/v1/sessions/authenticate", `{"session_jwt":"` + consumer.SessionJWT + `"}`, e.classic},
		{"b2b/jwt", "/v1/b2b/sessions/authenticate", `{"session_jwt":"` + member.SessionJWT + `"}`, e.b2b},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := post(tc.c, tc.path, tc.body); rec.Code != 200 {
					b.Fatalf("authenticate = %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
