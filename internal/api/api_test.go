package api

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/signet-id/signet/oidc"
)

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
