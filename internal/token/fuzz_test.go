package token

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// FuzzBearerToken: any method, Authorization header, content type and
// body yields a token or an invalid_request / invalid_token error whose
// description fits RFC 6749 §5.2, never a panic.
func FuzzBearerToken(f *testing.F) {
	f.Add(false, "Bearer abc", "", "")
	f.Add(true, "", "application/x-www-form-urlencoded", "access_token=abc")
	f.Add(true, "bearer a", "application/x-www-form-urlencoded; charset=utf-8", "access_token=a&access_token=b")
	f.Add(true, "Basic YTpi", "application/json", `{"access_token":"x"}`)
	f.Fuzz(func(t *testing.T, post bool, auth, ct, body string) {
		method := "GET"
		if post {
			method = "POST"
		}
		r := httptest.NewRequest(method, UserInfoPath, strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		tok, scheme, err := bearerToken(httptest.NewRecorder(), r)
		if err == nil {
			if tok == "" || (!strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "DPoP")) {
				t.Fatalf("token %q accepted with scheme %q", tok, scheme)
			}
			return
		}
		var oe *oidc.Error
		if !errors.As(err, &oe) || (oe.Code != oidc.InvalidRequest && oe.Code != oidc.InvalidToken) {
			t.Fatalf("error %v is not invalid_request or invalid_token", err)
		}
		for _, c := range []byte(oe.Description) {
			if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				t.Fatalf("error_description %q has a byte RFC 6749 §5.2 forbids", oe.Description)
			}
		}
	})
}

// FuzzCheckAccess: whatever comes in as an access token (UserInfo reads
// its client_id before the signature is checked), the Checker answers
// errInactive, never another error and never a panic, and accepts nothing
// it did not sign.
func FuzzCheckAccess(f *testing.F) {
	e := newEnv(f)
	const pid, clientID = "project-test-fuzz", "connected-app-test-fuzz"
	e.project(pid, keys.ES256)
	now := time.Now()
	if err := e.st.CreateConnectedApp(context.Background(), store.ConnectedApp{
		ClientID: clientID, ProjectID: pid, Type: "third_party", Status: "active",
		RedirectURLs: []string{"https://app.example/cb"}, CreatedAt: now, UpdatedAt: now,
	}); err != nil {
		f.Fatal(err)
	}
	k := &Checker{Issuer: issuer, Keys: e.km, Apps: apps.NewConnectedClients(e.st, e.pepper, time.Minute, nil),
		Grants: e.st, Pepper: e.pepper}
	b64 := base64.RawURLEncoding.EncodeToString
	f.Add("a.b.c")
	f.Add(b64([]byte(`{"alg":"ES256","kid":"k"}`)) + "." + b64([]byte(`{"client_id":"`+clientID+`"}`)) + ".c2ln")
	f.Add(b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(`{"client_id":"`+clientID+`","jti":"g.x"}`)) + ".")
	f.Add("..")
	f.Fuzz(func(t *testing.T, tok string) {
		at, err := k.access(context.Background(), "", tok)
		if err == nil {
			t.Fatalf("accepted %q: %+v", tok, at)
		}
		if !errors.Is(err, errInactive) {
			t.Fatalf("error %v for %q, want errInactive", err, tok)
		}
	})
}
