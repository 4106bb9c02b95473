package users_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// BenchmarkSessionAuthenticate measures POST /v1/sessions/authenticate
// through the handler (project auth, lookup, extend, JWT, user, JSON) on
// the test store, by session token and by session JWT, on the real clock
// (a frozen clock would hide what time does to the work). Run with -cpu 1
// for the per-request cost; docs/benchmarks.md has the load runs.
func BenchmarkSessionAuthenticate(b *testing.B) {
	e := newEnv(b, func(s *setup) { s.Now = time.Now })
	rec := e.raw(b, "/v1/passwords", `{"email":"bench@example.com","password":"correct-horse-battery-staple-9","session_duration_minutes":600}`)
	var created struct {
		SessionToken string `json:"session_token"`
		SessionJWT   string `json:"session_jwt"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || created.SessionToken == "" {
		b.Fatalf("passwords create: %d %s", rec.Code, rec.Body)
	}
	for name, body := range map[string]string{
		"token": `{"session_token":"` + created.SessionToken + `"}`,
		"jwt":   `{"session_jwt":"` + created.SessionJWT + `"}`,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := e.raw(b, "/v1/sessions/authenticate", body); rec.Code != 200 {
					b.Fatalf("authenticate = %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// raw POSTs body to path with the project's credentials.
func (e *env) raw(tb testing.TB, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.SetBasicAuth(e.projectID, e.secret)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.http.ServeHTTP(rec, req)
	return rec
}
