package users_test

import (
	"encoding/json"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/testdb"
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

// BenchmarkSessionAuthenticateHot measures POST /v1/sessions/authenticate
// by token and by JWT on two nodes of one store (one process): one that
// keeps hot sessions in memory (sessioncache.go) and one that reads the
// store every time (Config.HotSessions < 0), one request of each per
// iteration, each in the CPU time of the thread serving it, as
// BenchmarkSessionAuthenticateCheck/interleaved does. It reports each
// one's CPU time and hot÷cold (issue 20; docs/benchmarks.md).
func BenchmarkSessionAuthenticateHot(b *testing.B) {
	hot := newEnv(b, func(s *setup) { s.Now = time.Now })
	cold := *hot
	cold.serve(func(s *setup) {
		s.Now = time.Now
		s.HotSessions = -1
	})
	rec := hot.raw(b, "/v1/passwords", `{"email":"bench@example.com","password":"correct-horse-battery-staple-9","session_duration_minutes":600}`)
	var created struct {
		SessionToken string `json:"session_token"`
		SessionJWT   string `json:"session_jwt"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || created.SessionToken == "" {
		b.Fatalf("passwords create: %d %s", rec.Code, rec.Body)
	}
	for _, c := range []struct{ name, body string }{
		{"token", `{"session_token":"` + created.SessionToken + `"}`},
		{"jwt", `{"session_jwt":"` + created.SessionJWT + `"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var t [2]time.Duration
			for b.Loop() {
				for i, e := range []*env{&cold, hot} {
					start := threadCPU()
					rec := e.raw(b, "/v1/sessions/authenticate", c.body)
					t[i] += threadCPU() - start
					if rec.Code != 200 {
						b.Fatalf("authenticate = %d %s", rec.Code, rec.Body)
					}
				}
			}
			b.ReportMetric(float64(t[0].Nanoseconds())/float64(b.N), "cold-cpu-ns/op")
			b.ReportMetric(float64(t[1].Nanoseconds())/float64(b.N), "hot-cpu-ns/op")
			b.ReportMetric(float64(t[1])/float64(t[0]), "hot/cold")
		})
	}
}

// BenchmarkSessionAuthenticateCheck measures POST /v1/sessions/authenticate
// by token with an authorization_check (allowed: a verdict) and without,
// in the same process on the same store and session, so that their ratio
// is the cost of the check (issue 17: at most 10% more; docs/benchmarks.md).
// The policy is a realistic one (20 resources of 5 actions, 20 roles).
func BenchmarkSessionAuthenticateCheck(b *testing.B) {
	st := testdb.Open(b)
	policies := rbac.NewService(st, time.Now)
	e := newEnvOn(b, st, func(s *setup) {
		s.Now = time.Now
		s.Policies = policies
	})
	p, err := e.st.Project(b.Context(), e.projectID)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := policies.SetPolicy(b.Context(), p, []byte(benchPolicy())); err != nil {
		b.Fatal(err)
	}
	rec := e.raw(b, "/v1/passwords", `{"email":"bench@example.com","password":"correct-horse-battery-staple-9","session_duration_minutes":600}`)
	var created struct {
		SessionToken string `json:"session_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || created.SessionToken == "" {
		b.Fatalf("passwords create: %d %s", rec.Code, rec.Body)
	}
	plain := `{"session_token":"` + created.SessionToken + `"}`
	check := `{"session_token":"` + created.SessionToken + `","authorization_check":{"resource_id":"resource-19","action":"action-4"}}`
	for _, c := range []struct{ name, body string }{{"plain", plain}, {"check", check}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := e.raw(b, "/v1/sessions/authenticate", c.body); rec.Code != 200 {
					b.Fatalf("authenticate = %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
	// Interleaved: one request of each per iteration, each measured in
	// the CPU time of the thread that serves it (the handler runs on the
	// benchmark's goroutine, locked to its thread; SQLite is pure Go), so
	// the other work of a shared machine falls on neither; reports each
	// one's CPU time and check÷plain.
	b.Run("interleaved", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var tPlain, tCheck time.Duration
		for b.Loop() {
			for i, body := range []string{plain, check} {
				start := threadCPU()
				rec := e.raw(b, "/v1/sessions/authenticate", body)
				d := threadCPU() - start
				if rec.Code != 200 {
					b.Fatalf("authenticate = %d %s", rec.Code, rec.Body)
				}
				if i == 0 {
					tPlain += d
				} else {
					tCheck += d
				}
			}
		}
		b.ReportMetric(float64(tPlain.Nanoseconds())/float64(b.N), "plain-cpu-ns/op")
		b.ReportMetric(float64(tCheck.Nanoseconds())/float64(b.N), "check-cpu-ns/op")
		b.ReportMetric(float64(tCheck)/float64(tPlain), "check/plain")
	})
}

// benchPolicy has 20 resources of 5 actions and 20 roles; stytch_user
// (every user's) grants the last action of the last resource, so the
// check is allowed after looking at every resource's index.
func benchPolicy() string {
	var pol rbac.Policy
	pol.Scopes = []rbac.Scope{}
	actions := []string{"action-0", "action-1", "action-2", "action-3", "action-4"}
	for i := range 20 {
		id := "resource-" + itoa(i)
		pol.Resources = append(pol.Resources, rbac.Resource{ResourceID: id, Description: "bench", Actions: actions})
		pol.Roles = append(pol.Roles, rbac.Role{RoleID: "role-" + itoa(i), Permissions: []rbac.Permission{{ResourceID: id, Actions: actions[:2]}}})
	}
	pol.Roles = append(pol.Roles, rbac.Role{RoleID: rbac.UserRole, Permissions: []rbac.Permission{{ResourceID: "resource-19", Actions: []string{"action-4"}}}})
	doc, err := json.Marshal(pol)
	if err != nil {
		panic(err)
	}
	return string(doc)
}

func itoa(i int) string { return strconv.Itoa(i) }

// raw POSTs body to path with the project's credentials.
func (e *env) raw(tb testing.TB, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.SetBasicAuth(e.projectID, e.secret)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.http.ServeHTTP(rec, req)
	return rec
}
