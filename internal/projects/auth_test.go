package projects

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// projectFunc is a hand-written fake of ProjectStore.
type projectFunc func(ctx context.Context, id string) (store.Project, error)

func (f projectFunc) Project(ctx context.Context, id string) (store.Project, error) {
	return f(ctx, id)
}

// envelope is the Stytch error envelope of a response.
type envelope struct {
	StatusCode int    `json:"status_code"`
	ErrorType  string `json:"error_type"`
}

func decodeEnvelope(t *testing.T, rec *httptest.ResponseRecorder) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.StatusCode != rec.Code || e.ErrorType == "" {
		t.Fatalf("not an envelope for %d: %s (%v)", rec.Code, rec.Body, err)
	}
	return e
}

func TestAuth(t *testing.T) {
	pepper := secrets.NewPepper(bytes.Repeat([]byte{1}, 32))
	secret := secrets.New("secret-test-")
	proj := store.Project{ID: "project-test-1", SecretHash: pepper.Hash(secret)}
	// A rotation under way: the next secret authenticates too.
	next := secrets.New("secret-test-")
	proj.NextSecretHash = pepper.Hash(next)
	lookups := 0
	st := projectFunc(func(_ context.Context, id string) (store.Project, error) {
		lookups++
		switch id {
		case proj.ID:
			return proj, nil
		case "project-test-broken":
			return store.Project{}, errors.New("connection refused")
		}
		return store.Project{}, store.ErrNotFound
	})
	auth := NewAuth(st, pepper, time.Minute)
	h := auth.Wrap(func(w http.ResponseWriter, r *http.Request, p store.Project) error {
		w.Write([]byte(p.ID))
		return nil
	})
	tests := []struct {
		name       string
		user, pass string
		noAuth     bool
		wantStatus int
		wantType   string
	}{
		{name: "good", user: proj.ID, pass: secret, wantStatus: 200},
		{name: "next secret during a rotation", user: proj.ID, pass: next, wantStatus: 200},
		{name: "wrong secret", user: proj.ID, pass: secret + "x", wantStatus: 401, wantType: "unauthorized_credentials"},
		{name: "unknown project", user: "project-test-nope", pass: secret, wantStatus: 401, wantType: "unauthorized_credentials"},
		{name: "no header", noAuth: true, wantStatus: 401, wantType: "unauthorized_credentials"},
		{name: "empty secret", user: proj.ID, pass: "", wantStatus: 401, wantType: "unauthorized_credentials"},
		{name: "store down", user: "project-test-broken", pass: secret, wantStatus: 500, wantType: "internal_server_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := api.WithRequestID(httptest.NewRequest("GET", "/v1/users/x", nil))
			if !tt.noAuth {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantType != "" {
				if e := decodeEnvelope(t, rec); e.ErrorType != tt.wantType {
					t.Errorf("error_type = %q, want %q", e.ErrorType, tt.wantType)
				}
			}
		})
	}
	t.Run("cached", func(t *testing.T) {
		before := lookups
		for range 3 {
			req := httptest.NewRequest("GET", "/", nil)
			req.SetBasicAuth(proj.ID, secret)
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
		if lookups != before {
			t.Errorf("project read %d times within the TTL, want 0", lookups-before)
		}
	})
}

// Basic credentials that are not text are unauthorized, and never looked
// up.
func TestAuthText(t *testing.T) {
	looked := 0
	auth := NewAuth(projectFunc(func(_ context.Context, id string) (store.Project, error) {
		looked++
		return store.Project{}, store.ErrNotFound
	}), secrets.NewPepper(bytes.Repeat([]byte{1}, 32)), time.Minute)
	h := auth.Wrap(func(w http.ResponseWriter, r *http.Request, p store.Project) error { return nil })
	for _, user := range []string{"p\x00", "\xff", "project-test-1"} {
		r := api.WithRequestID(httptest.NewRequest("GET", "/v1/x", nil))
		r.SetBasicAuth(user, "s\x00")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if e := decodeEnvelope(t, rec); rec.Code != 401 || e.ErrorType != "unauthorized_credentials" {
			t.Errorf("user %q: %d %+v", user, rec.Code, e)
		}
	}
	if looked != 0 {
		t.Errorf("credentials that are not text were looked up %d times", looked)
	}
}
