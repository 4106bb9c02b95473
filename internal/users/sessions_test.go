package users_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// verifySessionJWT checks a session JWT the way the Stytch SDKs do, using
// only the rules of stytch-api.md §4.2 and the public JWKS endpoint: RS256,
// key by kid, typ JWT, aud containing the project ID, iss the base URL,
// exp/nbf at now. It returns the claims.
func (e *env) verifySessionJWT(t *testing.T, token string, now time.Time) obj {
	t.Helper()
	rec := httptest.NewRecorder()
	e.http.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/sessions/jwks/"+e.projectID, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("JWKS = %d %s", rec.Code, rec.Body)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("parse session JWT: %v", err)
	}
	h := tok.Headers[0]
	if h.ExtraHeaders[jose.HeaderType] != "JWT" {
		t.Errorf("typ = %v, want JWT", h.ExtraHeaders[jose.HeaderType])
	}
	keys := set.Key(h.KeyID)
	if h.KeyID == "" || len(keys) != 1 {
		t.Fatalf("kid %q not in the JWKS", h.KeyID)
	}
	var std jwt.Claims
	var all obj
	if err := tok.Claims(keys[0].Key, &std, &all); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience{e.projectID}, Time: now}, 0); err != nil {
		t.Fatalf("claims: %v", err)
	}
	return all
}

func TestSessionJWT(t *testing.T) {
	e := newEnv(t)
	out := e.must(t, "POST", "/v1/passwords", obj{
		"email": "jwt@example.com", "password": strongPassword, "session_custom_claims": obj{"tenant": "acme", "n": 7},
	})
	now := e.clock.Now()
	c := e.verifySessionJWT(t, out["session_jwt"].(string), now)
	if c["sub"] != out["user_id"] {
		t.Errorf("sub = %v, want %v", c["sub"], out["user_id"])
	}
	if aud, _ := c["aud"].([]any); len(aud) != 1 || aud[0] != e.projectID {
		t.Errorf("aud = %v, want [%s]", c["aud"], e.projectID)
	}
	if c["exp"].(float64)-c["iat"].(float64) != 300 || c["nbf"] != c["iat"] {
		t.Errorf("iat %v nbf %v exp %v: want a five-minute JWT", c["iat"], c["nbf"], c["exp"])
	}
	if c["tenant"] != "acme" || c["n"] != float64(7) {
		t.Errorf("custom claims missing at top level: %v", c)
	}
	sc := c["https://stytch.com/session"].(obj)
	wantKeys(t, "session claim", sc, "id", "started_at", "last_accessed_at", "expires_at", "attributes", "authentication_factors", "roles")
	s := out["session"].(obj)
	for claim, field := range map[string]string{"id": "session_id", "started_at": "started_at", "last_accessed_at": "last_accessed_at", "expires_at": "expires_at"} {
		if sc[claim] != s[field] {
			t.Errorf("session claim %s = %v, session.%s = %v", claim, sc[claim], field, s[field])
		}
	}
	wantTime(t, "claim started_at", sc["started_at"])
	wantKeys(t, "attributes", sc["attributes"], "ip_address", "user_agent")
	if f := sc["authentication_factors"].([]any)[0].(obj); f["type"] != "password" || f["email_factor"] == nil {
		t.Errorf("factor claim = %v", f)
	}
}

func TestSessionsAuthenticate(t *testing.T) {
	e := newEnv(t)
	out := e.signup(t, "sess@example.com")
	token, jwt0 := out["session_token"].(string), out["session_jwt"].(string)
	sessionID := out["session"].(obj)["session_id"]

	// By token, extending and adding claims.
	e.clock.Advance(time.Minute)
	got := e.must(t, "POST", "/v1/sessions/authenticate", obj{
		"session_token": token, "session_duration_minutes": 600, "session_custom_claims": obj{"a": 1, "b": obj{"c": true}},
	})
	wantKeys(t, "sessions.authenticate response", got, "request_id", "status_code", "session", "session_token", "session_jwt", "user")
	s := got["session"].(obj)
	wantKeys(t, "session", s, sessionKeys...)
	if s["session_id"] != sessionID || got["session_token"] != token {
		t.Errorf("session %v token %v", s["session_id"], got["session_token"])
	}
	if d := wantTime(t, "", s["expires_at"]).Sub(e.clock.Now()); d < 599*time.Minute || d > 600*time.Minute {
		t.Errorf("session extended to %v from now, want 600m", d)
	}
	if wantTime(t, "", s["last_accessed_at"]).Before(wantTime(t, "", s["started_at"]).Add(time.Minute)) {
		t.Errorf("last_accessed_at %v not moved", s["last_accessed_at"])
	}
	wantKeys(t, "user", got["user"], userKeys...)
	c := e.verifySessionJWT(t, got["session_jwt"].(string), e.clock.Now())
	if c["a"] != float64(1) || c["b"].(obj)["c"] != true {
		t.Errorf("merged claims not in JWT: %v", c)
	}

	// Claims merge at the top level; null deletes.
	got = e.must(t, "POST", "/v1/sessions/authenticate", obj{"session_jwt": got["session_jwt"], "session_custom_claims": obj{"a": nil, "d": "x"}})
	if cc := got["session"].(obj)["custom_claims"].(obj); cc["a"] != nil || cc["d"] != "x" || cc["b"] == nil {
		t.Errorf("custom_claims = %v, want b and d", cc)
	}
	if got["session_token"] != "" {
		t.Errorf("JWT authentication returned session_token %q; only its hash is stored", got["session_token"])
	}

	// A JWT past its exp is still accepted while its session lives, and a
	// fresh one comes back.
	e.clock.Advance(10 * time.Minute)
	got = e.must(t, "POST", "/v1/sessions/authenticate", obj{"session_jwt": jwt0})
	fresh := got["session_jwt"].(string)
	if fresh == jwt0 {
		t.Error("no fresh JWT for an expired one")
	}
	e.verifySessionJWT(t, fresh, e.clock.Now())

	for _, tc := range []struct {
		name    string
		body    obj
		status  int
		errType string
	}{
		{"both", obj{"session_token": token, "session_jwt": fresh}, 400, "too_many_session_arguments"},
		{"none", obj{}, 400, "missing_session_arguments"},
		{"unknown token", obj{"session_token": "nope"}, 404, "session_not_found"},
		{"garbage jwt", obj{"session_jwt": "a.b.c"}, 404, "session_not_found"},
		{"forged jwt", obj{"session_jwt": forge(t, fresh)}, 404, "session_not_found"},
		{"reserved claim", obj{"session_token": token, "session_custom_claims": obj{"exp": 1}}, 400, "invalid_session_custom_claims"},
		{"reserved namespace", obj{"session_token": token, "session_custom_claims": obj{"https://stytch.com/organization": 1}}, 400, "invalid_session_custom_claims"},
		{"duration", obj{"session_token": token, "session_duration_minutes": 0}, 400, "invalid_session_duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.fails(t, tc.status, tc.errType, "POST", "/v1/sessions/authenticate", tc.body)
		})
	}

	// Another project's credentials do not see this session.
	other := newEnv(t)
	other.fails(t, 404, "session_not_found", "POST", "/v1/sessions/authenticate", obj{"session_token": token})
	other.fails(t, 404, "session_not_found", "POST", "/v1/sessions/authenticate", obj{"session_jwt": fresh})

	// Once the session ends, neither credential works.
	e.clock.Advance(601 * time.Minute)
	e.fails(t, 404, "session_not_found", "POST", "/v1/sessions/authenticate", obj{"session_token": token})
	e.fails(t, 404, "session_not_found", "POST", "/v1/sessions/authenticate", obj{"session_jwt": fresh})
}

// forge re-signs token's header and claims with a key no project has.
func forge(t *testing.T, token string) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(token, ".")
	var hdr struct {
		Kid string `json:"kid"`
	}
	raw, _ := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	hdr.Kid = raw.Signatures[0].Header.KeyID
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k, KeyID: hdr.Kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload := raw.UnsafePayloadWithoutVerification()
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	if strings.Split(out, ".")[1] != parts[1] {
		t.Fatal("forged token changed the payload")
	}
	return out
}

func TestSessionsListAndRevoke(t *testing.T) {
	e := newEnv(t)
	first := e.signup(t, "many@example.com")
	id := first["user_id"].(string)
	login := obj{"email": "many@example.com", "password": strongPassword}
	second := e.must(t, "POST", "/v1/passwords/authenticate", login)
	third := e.must(t, "POST", "/v1/passwords/authenticate", login)
	fourth := e.must(t, "POST", "/v1/passwords/authenticate", login)

	list := e.must(t, "GET", "/v1/sessions?user_id="+id, nil)
	wantKeys(t, "sessions.get response", list, "request_id", "status_code", "sessions")
	if n := len(list["sessions"].([]any)); n != 4 {
		t.Fatalf("%d sessions, want 4", n)
	}
	wantKeys(t, "listed session", list["sessions"].([]any)[0], sessionKeys...)
	e.fails(t, 400, "invalid_user_id", "GET", "/v1/sessions", nil)
	e.fails(t, 404, "user_not_found", "GET", "/v1/sessions?user_id=user-test-nope", nil)

	sid := func(o obj) string { return o["session"].(obj)["session_id"].(string) }
	for name, body := range map[string]obj{
		"by id":    {"session_id": sid(first)},
		"by token": {"session_token": second["session_token"]},
		"by jwt":   {"session_jwt": third["session_jwt"]},
	} {
		out := e.must(t, "POST", "/v1/sessions/revoke", body)
		wantKeys(t, "revoke response "+name, out, "request_id", "status_code")
		e.fails(t, 404, "session_not_found", "POST", "/v1/sessions/revoke", body)
	}
	e.fails(t, 404, "session_not_found", "POST", "/v1/sessions/authenticate", obj{"session_token": first["session_token"]})
	e.fails(t, 404, "session_not_found", "POST", "/v1/sessions/authenticate", obj{"session_jwt": third["session_jwt"]})
	e.fails(t, 400, "too_many_session_arguments", "POST", "/v1/sessions/revoke", obj{"session_id": "a", "session_token": "b"})
	e.fails(t, 400, "missing_session_arguments", "POST", "/v1/sessions/revoke", obj{})

	left := e.must(t, "GET", "/v1/sessions?user_id="+id, nil)["sessions"].([]any)
	var ids []string
	for _, s := range left {
		ids = append(ids, s.(obj)["session_id"].(string))
	}
	if !slices.Equal(ids, []string{sid(fourth)}) {
		t.Errorf("sessions left %v, want only %s", ids, sid(fourth))
	}
}
