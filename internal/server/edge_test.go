package server

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/rp/rptest"
)

// Text that is not valid UTF-8 or holds a NUL is refused where it enters,
// the same way on every backend: PostgreSQL cannot store it (SQLSTATE
// 22021, 22P05) and answered 500, before authentication for some; SQLite
// stored it and echoed invalid JSON back. Each request below carries such
// text through one edge (Basic auth, path, query, JSON body, OAuth form,
// hosted page form) and must get the edge's ordinary 400/401/404, never a
// 500, and leave the stored data as it was.
func TestMalformedTextAtTheEdge(t *testing.T) {
	e := newBankEnv(t)
	_, bankID := e.addBank("Edge Bank", rptest.Options{Subject: "edge-1"})
	const password = "correct horse battery staple 42"
	resp, out := e.do(t, "POST", "/v1/passwords", "application/json", `{"email":"ada@example.com","password":"`+password+`"}`, true)
	if resp.StatusCode != 200 {
		t.Fatalf("create password user: %d %v", resp.StatusCode, out)
	}
	userID := out["user_id"].(string)
	resp, out = e.do(t, "POST", "/v1/m2m/clients", "application/json", `{"client_name":"svc","scopes":["read:x"]}`, true)
	if resp.StatusCode != 200 {
		t.Fatalf("create m2m client: %d %v", resp.StatusCode, out)
	}
	m2m := out["m2m_client"].(map[string]any)
	m2mID, m2mSecret := m2m["client_id"].(string), m2m["client_secret"].(string)

	// A browser with the sign-in page's and the selector's anti-CSRF
	// cookies, and the hidden fields of their forms.
	b := newBrowser(t)
	authz := url.Values{"client_id": {e.clientID}, "redirect_uri": {e.redirect}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"s"}}
	login := b.get(e.URL + "/oauth2/authorize?" + authz.Encode())
	_, loginFields := login.form(t, "/oauth2/authorize/login")
	selQuery := url.Values{"client_id": {e.clientID}, "visitor_id": {"visitor-1"}, "scope": {"openid"}}
	_, selFields := b.get(e.URL+"/select-bank?"+selQuery.Encode()).form(t, "/select-bank")
	selFields.Set("bank_id", bankID)

	before := e.snapshot(t, userID, m2mID)

	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	mgmt := basic(e.projectID, e.secret)
	with := func(v url.Values, kv ...string) string {
		c := url.Values{}
		for k, vs := range v {
			c[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			c.Set(kv[i], kv[i+1])
		}
		return c.Encode()
	}
	const form, jsonCT = "application/x-www-form-urlencoded", "application/json"
	m2mForm := "grant_type=client_credentials&client_id=" + m2mID + "&client_secret=" + m2mSecret
	// An unsigned client assertion naming a client_id that is not text:
	// the client is looked up before the signature can be checked.
	assertion := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"PS256"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"\u0000","sub":"\u0000","aud":"x"}`)) + ".c2ln"
	// An access token whose unverified client_id (UserInfo finds the
	// project through it) is not text.
	bearer := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"client_id":"a\u0000"}`)) + ".c2ln"

	tests := []struct {
		name           string
		method, path   string
		auth, ct, body string
		status         int
		stytch, oauth  string // the error_type of a Stytch envelope, the error of an OAuth error
		page           bool   // an HTML error page
	}{
		// Basic auth of the management API: any bad credential is 401.
		{name: "basic user NUL", method: "GET", path: "/v1/sessions?user_id=" + userID, auth: basic(e.projectID+"\x00", e.secret), status: 401, stytch: "unauthorized_credentials"},
		{name: "basic user only NUL", method: "POST", path: "/v1/users/search", auth: basic("\x00", "x"), ct: jsonCT, body: `{}`, status: 401, stytch: "unauthorized_credentials"},
		{name: "basic user 0xff", method: "GET", path: "/v1/users/" + userID, auth: basic("\xff", e.secret), status: 401, stytch: "unauthorized_credentials"},
		{name: "basic password NUL", method: "GET", path: "/v1/users/" + userID, auth: basic(e.projectID, "\x00"), status: 401, stytch: "unauthorized_credentials"},

		// Path IDs that cannot exist: no route.
		{name: "path %00", method: "GET", path: "/v1/users/%00", auth: mgmt, status: 404, stytch: "route_not_found"},
		{name: "path %ff", method: "GET", path: "/v1/users/%ff", auth: mgmt, status: 404, stytch: "route_not_found"},
		{name: "path %00 unauthenticated", method: "DELETE", path: "/v1/users/%00", status: 404, stytch: "route_not_found"},
		{name: "public jwks %00", method: "GET", path: "/v1/sessions/jwks/%00", status: 404, stytch: "route_not_found"},
		{name: "public jwks %ff", method: "GET", path: "/v1/b2b/sessions/jwks/%ff", status: 404, stytch: "route_not_found"},
		{name: "overlong NUL", method: "GET", path: "/v1/connected_apps/clients/%C0%80", auth: mgmt, status: 404, stytch: "route_not_found"},
		{name: "m2m client %00", method: "DELETE", path: "/v1/m2m/clients/a%00b", auth: mgmt, status: 404, stytch: "route_not_found"},
		{name: "bank verification %ff", method: "GET", path: "/v1/bank_verifications/%ff", auth: mgmt, status: 404, stytch: "route_not_found"},
		{name: "project discovery %00", method: "GET", path: "/v1/public/%00/.well-known/openid-configuration", status: 404, stytch: "route_not_found"},
		{name: "project token %00", method: "POST", path: "/v1/public/%00/oauth2/token", ct: form, body: m2mForm, status: 404, stytch: "route_not_found"},

		// Query strings of the management API.
		{name: "sessions user_id %00", method: "GET", path: "/v1/sessions?user_id=%00", auth: mgmt, status: 400, stytch: "invalid_request"},
		{name: "sessions user_id %ff", method: "GET", path: "/v1/sessions?user_id=%ff", auth: mgmt, status: 400, stytch: "invalid_request"},

		// JSON bodies: every string, member names and nested metadata
		// included.
		{name: "password email \\u0000", method: "POST", path: "/v1/passwords/authenticate", auth: mgmt, ct: jsonCT,
			body: `{"email":"ada\u0000@example.com","password":"x"}`, status: 400, stytch: "invalid_json"},
		{name: "password \\u0000", method: "POST", path: "/v1/passwords/authenticate", auth: mgmt, ct: jsonCT,
			body: `{"email":"ada@example.com","password":"` + password + `\u0000"}`, status: 400, stytch: "invalid_json"},
		{name: "search filter \\u0000", method: "POST", path: "/v1/users/search", auth: mgmt, ct: jsonCT,
			body: `{"query":{"operator":"AND","operands":[{"filter_name":"email_address","filter_value":["a\u0000@example.com"]}]}}`, status: 400, stytch: "invalid_json"},
		{name: "search fuzzy 0xff", method: "POST", path: "/v1/users/search", auth: mgmt, ct: jsonCT,
			body: "{\"query\":{\"operator\":\"AND\",\"operands\":[{\"filter_name\":\"full_name_fuzzy\",\"filter_value\":\"\xff\"}]}}", status: 400, stytch: "invalid_json"},
		{name: "metadata value 0xff", method: "POST", path: "/v1/users", auth: mgmt, ct: jsonCT,
			body: "{\"email\":\"bob@example.com\",\"trusted_metadata\":{\"k\":\"\xff\xfe\"}}", status: 400, stytch: "invalid_json"},
		{name: "metadata nested key \\u0000", method: "POST", path: "/v1/users", auth: mgmt, ct: jsonCT,
			body: `{"email":"bob@example.com","untrusted_metadata":{"a":[{"\u0000":1}]}}`, status: 400, stytch: "invalid_json"},
		{name: "metadata key 0xff", method: "POST", path: "/v1/users", auth: mgmt, ct: jsonCT,
			body: "{\"email\":\"bob@example.com\",\"untrusted_metadata\":{\"\xff\":1}}", status: 400, stytch: "invalid_json"},
		{name: "lone high surrogate", method: "POST", path: "/v1/users", auth: mgmt, ct: jsonCT,
			body: `{"email":"bob@example.com","name":{"first_name":"\ud800"}}`, status: 400, stytch: "invalid_json"},
		{name: "lone low surrogate", method: "POST", path: "/v1/users", auth: mgmt, ct: jsonCT,
			body: `{"email":"bob@example.com","name":{"first_name":"x\uDC00"}}`, status: 400, stytch: "invalid_json"},
		{name: "high surrogate then letter", method: "POST", path: "/v1/users", auth: mgmt, ct: jsonCT,
			body: `{"email":"bob@example.com","name":{"first_name":"\ud800\u0041"}}`, status: 400, stytch: "invalid_json"},
		{name: "CESU-8 surrogate bytes", method: "POST", path: "/v1/users", auth: mgmt, ct: jsonCT,
			body: "{\"email\":\"bob@example.com\",\"name\":{\"first_name\":\"\xed\xa0\x80\"}}", status: 400, stytch: "invalid_json"},
		{name: "update metadata \\u0000", method: "PUT", path: "/v1/users/" + userID, auth: mgmt, ct: jsonCT,
			body: `{"untrusted_metadata":{"k":"v\u0000"}}`, status: 400, stytch: "invalid_json"},
		{name: "m2m name 0xff", method: "PUT", path: "/v1/m2m/clients/" + m2mID, auth: mgmt, ct: jsonCT,
			body: "{\"client_name\":\"\xc3\"}", status: 400, stytch: "invalid_json"},
		{name: "bank display_name \\u0000", method: "POST", path: "/v1/banks", auth: mgmt, ct: jsonCT,
			body: `{"issuer":"https://bank.example","display_name":"Bank\u0000","client_id":"c","auth_method":"client_secret_basic","client_secret":"s"}`, status: 400, stytch: "invalid_json"},
		{name: "consent API client_id \\u0000", method: "POST", path: "/v1/idp/oauth/authorize/start", auth: mgmt, ct: jsonCT,
			body: `{"client_id":"\u0000","redirect_uri":"https://app.example/cb","response_type":"code","scopes":["openid"],"user_id":"` + userID + `"}`, status: 400, stytch: "invalid_json"},

		// The token endpoint's form and JSON parameters, and its Basic
		// header; PAR, introspection and revocation.
		{name: "token client_id %00", method: "POST", path: "/v1/oauth2/token", ct: form,
			body: "grant_type=client_credentials&client_id=%00&client_secret=x", status: 400, oauth: "invalid_request"},
		{name: "token scope %00", method: "POST", path: "/v1/oauth2/token", ct: form, body: m2mForm + "&scope=read%00", status: 400, oauth: "invalid_request"},
		{name: "token code %00", method: "POST", path: "/v1/oauth2/token", ct: form,
			body: "grant_type=authorization_code&client_id=" + e.clientID + "&code=%00&redirect_uri=https%3A%2F%2Fapp.example%2Fcb", status: 400, oauth: "invalid_request"},
		{name: "token redirect_uri %ff", method: "POST", path: "/v1/oauth2/token", ct: form,
			body: "grant_type=authorization_code&client_id=" + e.clientID + "&code=abc&redirect_uri=https%3A%2F%2Fapp.example%2F%ff", status: 400, oauth: "invalid_request"},
		{name: "token refresh_token %00", method: "POST", path: "/v1/oauth2/token", ct: form,
			body: "grant_type=refresh_token&client_id=" + e.clientID + "&refresh_token=%00", status: 400, oauth: "invalid_request"},
		{name: "token parameter name %00", method: "POST", path: "/v1/oauth2/token", ct: form, body: m2mForm + "&x%00=1", status: 400, oauth: "invalid_request"},
		{name: "token JSON \\u0000", method: "POST", path: "/v1/oauth2/token", ct: jsonCT,
			body: `{"grant_type":"client_credentials","client_id":"\u0000","client_secret":"x"}`, status: 400, oauth: "invalid_request"},
		{name: "token JSON 0xff", method: "POST", path: "/v1/oauth2/token", ct: jsonCT,
			body: "{\"grant_type\":\"client_credentials\",\"client_id\":\"\xff\",\"client_secret\":\"x\"}", status: 400, oauth: "invalid_request"},
		{name: "token basic client_id NUL", method: "POST", path: "/v1/oauth2/token", auth: basic("\x00", "x"), ct: form,
			body: "grant_type=client_credentials", status: 401, oauth: "invalid_client"},
		{name: "token basic client_id %00", method: "POST", path: "/v1/oauth2/token", auth: basic("a%00", "x"), ct: form,
			body: "grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fapp.example%2Fcb", status: 401, oauth: "invalid_client"},
		{name: "token basic secret 0xff", method: "POST", path: "/v1/oauth2/token", auth: basic(m2mID, "\xff"), ct: form,
			body: "grant_type=client_credentials", status: 401, oauth: "invalid_client"},
		{name: "token client assertion sub \\u0000", method: "POST", path: "/v1/oauth2/token", ct: form,
			body: "grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fapp.example%2Fcb" +
				"&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + assertion,
			status: 401, oauth: "invalid_client"},
		{name: "PAR client_id %00", method: "POST", path: "/oauth2/par", ct: form,
			body: "client_id=%00&response_type=code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb", status: 400, oauth: "invalid_request"},
		{name: "PAR scope %ff", method: "POST", path: "/oauth2/par", ct: form,
			body: "client_id=" + e.clientID + "&client_secret=x&scope=%ff", status: 400, oauth: "invalid_request"},
		{name: "PAR basic client_id NUL", method: "POST", path: "/oauth2/par", auth: basic("\x00", "x"), ct: form,
			body: "response_type=code", status: 401, oauth: "invalid_client"},
		{name: "introspect client_id %00", method: "POST", path: "/v1/oauth2/introspect", ct: form,
			body: "token=abc&client_id=%00&client_secret=x", status: 400, oauth: "invalid_request"},
		{name: "introspect token %ff", method: "POST", path: "/v1/oauth2/introspect", auth: basic(e.clientID, "x"), ct: form,
			body: "token=%ff", status: 400, oauth: "invalid_request"},
		{name: "revoke basic NUL", method: "POST", path: "/v1/oauth2/revoke", auth: basic("\x00", ""), ct: form,
			body: "token=abc", status: 401, oauth: "invalid_client"},
		{name: "userinfo access_token %00", method: "POST", path: "/v1/oauth2/userinfo", ct: form,
			body: "access_token=%00", status: 401, oauth: "invalid_token"},
		{name: "userinfo bearer client_id \\u0000", method: "GET", path: "/v1/oauth2/userinfo", auth: "Bearer " + bearer,
			status: 401, oauth: "invalid_token"},

		// The authorization endpoint and the hosted pages' forms: an
		// error page, never a redirect carrying the text back.
		{name: "authorize client_id %00", method: "GET", path: "/oauth2/authorize?" + with(authz, "client_id", "\x00"), status: 400, page: true},
		{name: "authorize redirect_uri %ff", method: "GET", path: "/oauth2/authorize?" + with(authz, "redirect_uri", e.redirect+"\xff"), status: 400, page: true},
		{name: "authorize state %00", method: "GET", path: "/oauth2/authorize?" + with(authz, "state", "\x00"), status: 400, page: true},
		{name: "authorize scope %ff", method: "GET", path: "/oauth2/authorize?" + with(authz, "scope", "openid \xff"), status: 400, page: true},
		{name: "authorize code_challenge %00", method: "GET", path: "/oauth2/authorize?" + with(authz, "code_challenge", "\x00", "code_challenge_method", "S256"), status: 400, page: true},
		{name: "authorize request_uri %00", method: "GET", path: "/oauth2/authorize?client_id=" + e.clientID + "&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A%00", status: 400, page: true},
		{name: "authorize form client_id %00", method: "POST", path: "/oauth2/authorize", ct: form, body: with(authz, "client_id", "\x00"), status: 400, page: true},
		{name: "login email NUL", method: "POST", path: "/oauth2/authorize/login", ct: form,
			body: with(loginFields, "email", "ada@example.com\x00", "password", password), status: 400, page: true},
		{name: "login password 0xff", method: "POST", path: "/oauth2/authorize/login", ct: form,
			body: with(loginFields, "email", "ada@example.com", "password", "\xff"), status: 400, page: true},
		{name: "login carried client_id %00", method: "POST", path: "/oauth2/authorize/login", ct: form,
			body: with(loginFields, "email", "ada@example.com", "password", password, "authorization_request", with(authz, "client_id", "\x00")), status: 400, page: true},
		{name: "consent carried state 0xff", method: "POST", path: "/oauth2/authorize/consent", ct: form,
			body: with(loginFields, "decision", "allow", "authorization_request", with(authz, "state", "\xff")), status: 400, page: true},
		{name: "bank button field NUL", method: "POST", path: "/oauth2/authorize/bank", ct: form, body: with(loginFields, "x", "\x00"), status: 400, page: true},
		{name: "selector client_id %00", method: "GET", path: "/select-bank?" + with(selQuery, "client_id", "\x00"), status: 400, page: true},
		{name: "selector visitor_id %ff", method: "GET", path: "/select-bank?" + with(selQuery, "visitor_id", "\xff"), status: 400, page: true},
		{name: "selector form bank_id NUL", method: "POST", path: "/select-bank", ct: form, body: with(selFields, "bank_id", "\x00"), status: 400, page: true},
		{name: "selector form visitor_id 0xff", method: "POST", path: "/select-bank", ct: form, body: with(selFields, "visitor_id", "\xff"), status: 400, page: true},
		{name: "verify begin token %00", method: "GET", path: "/verify/begin?token=%00.x", status: 400, page: true},
		{name: "verify search q %ff", method: "GET", path: "/verify/search?q=%ff", status: 400, page: true},
		{name: "verify callback state %00", method: "GET", path: banks.CallbackPath + "?state=%00&code=x", status: 400, page: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, e.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.ct != "" {
				req.Header.Set("Content-Type", tt.ct)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := b.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %.300s", resp.StatusCode, tt.status, raw)
			}
			if tt.page {
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || resp.Header.Get("Location") != "" {
					t.Fatalf("want an error page, got %q (Location %q): %.300s", ct, resp.Header.Get("Location"), raw)
				}
				return
			}
			var body map[string]any
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("body is not JSON: %q", raw)
			}
			if tt.stytch != "" && (body["error_type"] != tt.stytch || body["status_code"] != float64(tt.status)) {
				t.Fatalf("want the Stytch envelope with error_type %s, got %v", tt.stytch, body)
			}
			if tt.oauth != "" && body["error"] != tt.oauth {
				t.Fatalf("want OAuth error %s, got %v", tt.oauth, body)
			}
		})
	}
	if after := e.snapshot(t, userID, m2mID); !reflect.DeepEqual(before, after) {
		t.Errorf("stored data changed:\nbefore %v\nafter  %v", before, after)
	}

	// Text that is valid stays as it was: non-ASCII, escaped surrogate
	// pairs, U+FFFD itself, and escaped control characters other than NUL.
	t.Run("valid text", func(t *testing.T) {
		body := `{"email":"zoe@example.com","name":{"first_name":"Zo\u00eb \ud83d\ude00 \ufffd","last_name":"Ünïcødé"},` +
			`"untrusted_metadata":{"ключ":"値\u0001\\u0000"}}`
		resp, out := e.do(t, "POST", "/v1/users", jsonCT, body, true)
		if resp.StatusCode != 200 {
			t.Fatalf("create: %d %v", resp.StatusCode, out)
		}
		_, got := e.do(t, "GET", "/v1/users/"+out["user_id"].(string), "", "", true)
		name := got["name"].(map[string]any)
		if name["first_name"] != "Zoë 😀 \ufffd" || name["last_name"] != "Ünïcødé" {
			t.Errorf("name = %v", name)
		}
		if md := got["untrusted_metadata"].(map[string]any); md["ключ"] != "値\x01\\u0000" {
			t.Errorf("untrusted_metadata = %v", md)
		}
	})
}

// snapshot is what the malformed requests must not change: the user, the
// user list, the user's sessions and the clients, without request IDs.
func (e *bankEnv) snapshot(t *testing.T, userID, m2mID string) map[string]any {
	t.Helper()
	s := map[string]any{}
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/v1/users/" + userID, ""},
		{"POST", "/v1/users/search", `{"limit":100}`},
		{"GET", "/v1/sessions?user_id=" + userID, ""},
		{"GET", "/v1/m2m/clients/" + m2mID, ""},
		{"GET", "/v1/connected_apps/clients/" + e.clientID, ""},
	} {
		ct := ""
		if r.body != "" {
			ct = "application/json"
		}
		resp, out := e.do(t, r.method, r.path, ct, r.body, true)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %v", r.method, r.path, resp.StatusCode, out)
		}
		delete(out, "request_id")
		s[r.method+" "+r.path] = out
	}
	return s
}

// A bank's answer is outside text too: a NUL in a claim or in the subject
// is an answer that cannot be used (it would be a 500 on PostgreSQL, and
// stored on SQLite), not a user.
func TestBankAnswerNotText(t *testing.T) {
	for name, opts := range map[string]rptest.Options{
		"claim":   {Subject: "cust-1", Claims: map[string]any{"email": "ada@example.com", "given_name": "Ada\x00"}},
		"nested":  {Subject: "cust-2", Claims: map[string]any{"address": map[string]any{"locality\x00": "x"}}},
		"subject": {Subject: "cust\x003"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newBankEnv(t)
			bank, bankID := e.addBank("Mikomo Bank", opts)
			b := newBrowser(t)
			back := atBank(t, b, bank, e.toBank(b, bankID))
			if back.status != http.StatusBadGateway || !strings.Contains(back.body, "could not be verified") {
				t.Fatalf("callback %d, want the sign-in page saying the answer could not be verified:\n%.500s", back.status, back.body)
			}
			if n := len(e.users(t)); n != 0 {
				t.Errorf("users = %d, want none", n)
			}
			if m := e.metrics(t); !strings.Contains(m, `signet_bank_verifications_total{outcome="invalid_bank_response"} 1`) {
				t.Error("outcome invalid_bank_response not counted")
			}
		})
	}
}
