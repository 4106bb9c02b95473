package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// projectFunc is a hand-written fake of ProjectStore.
type projectFunc func(ctx context.Context, id string) (store.Project, error)

func (f projectFunc) Project(ctx context.Context, id string) (store.Project, error) {
	return f(ctx, id)
}

type stytchError struct {
	StatusCode   int    `json:"status_code"`
	RequestID    string `json:"request_id"`
	ErrorType    string `json:"error_type"`
	ErrorMessage string `json:"error_message"`
	ErrorURL     string `json:"error_url"`
}

func decodeEnvelope(t *testing.T, rec *httptest.ResponseRecorder) stytchError {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var e stytchError
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("decode envelope: %v", err)
	}
	if e.StatusCode != rec.Code || e.RequestID == "" || e.ErrorType == "" || e.ErrorMessage == "" || e.ErrorURL == "" {
		t.Fatalf("incomplete envelope %+v for status %d", e, rec.Code)
	}
	return e
}

func TestProjectAuth(t *testing.T) {
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
	auth := NewProjectAuth(st, pepper, time.Minute)
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
			req := WithRequestID(httptest.NewRequest("GET", "/v1/users/x", nil))
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

func TestDecode(t *testing.T) {
	type body struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int // 0: no error
		wantType    string
	}{
		{name: "valid", contentType: "application/json", body: `{"name":"a","count":2}`},
		{name: "charset", contentType: "application/json; charset=utf-8", body: `{"name":"a"}`},
		{name: "empty body", contentType: "application/json", body: ""},
		{name: "unknown fields ignored", contentType: "application/json", body: `{"other":1}`},
		{name: "broken JSON", contentType: "application/json", body: `{"name":`, wantStatus: 400, wantType: "invalid_json"},
		{name: "wrong type", contentType: "application/json", body: `{"count":"x"}`, wantStatus: 400, wantType: "invalid_json"},
		{name: "form body", contentType: "application/x-www-form-urlencoded", body: `name=a`, wantStatus: 415, wantType: "invalid_content_type"},
		{name: "too large", contentType: "application/json", body: `{"name":"` + strings.Repeat("a", MaxBody) + `"}`, wantStatus: 413, wantType: "request_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := WithRequestID(httptest.NewRequest("POST", "/", strings.NewReader(tt.body)))
			req.Header.Set("Content-Type", tt.contentType)
			rec := httptest.NewRecorder()
			var b body
			err := Decode(rec, req, &b)
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			WriteError(rec, req, err)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if e := decodeEnvelope(t, rec); e.ErrorType != tt.wantType {
				t.Errorf("error_type = %q, want %q", e.ErrorType, tt.wantType)
			}
		})
	}
}

func TestWriteOAuthError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantAuth   string
	}{
		{"invalid_client", oidc.NewError(oidc.InvalidClient, "Client authentication failed."), 401, "invalid_client", `Basic error="invalid_client"`},
		{"invalid_token", oidc.NewError(oidc.InvalidToken, "Expired."), 401, "invalid_token", `Bearer error="invalid_token"`},
		{"invalid_grant", oidc.NewError(oidc.InvalidGrant, "Bad code."), 400, "invalid_grant", ""},
		{"hidden cause", errors.New("pq: secret detail"), 500, "server_error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := WithRequestID(httptest.NewRequest("POST", "/v1/oauth2/token", nil))
			rec := httptest.NewRecorder()
			WriteOAuthError(rec, req, tt.err)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.wantAuth {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantAuth)
			}
			if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Pragma") != "no-cache" {
				t.Errorf("missing no-store headers: %v", rec.Header())
			}
			if strings.Contains(rec.Body.String(), "secret detail") {
				t.Errorf("internal cause leaked: %s", rec.Body)
			}
			var body map[string]any
			json.Unmarshal(rec.Body.Bytes(), &body)
			if body["error"] != tt.wantCode || body["request_id"] == "" || body["status_code"] != float64(tt.wantStatus) {
				t.Errorf("body = %v", body)
			}
		})
	}
}
