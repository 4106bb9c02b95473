package token_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
)

// The bank network's claims and endpoints (reference/idpartner-protocol.md
// §3.4, §3.8, §3.9, §4): scope claims in the ID token and UserInfo, the
// claims parameter, ID tokens signed with the client's algorithm and
// encrypted to its key, and the payment details endpoint.

const testPaymentDetails = `[{"bankId":"125000024","identifier":"7654321","identifierType":"ACCOUNT_NUMBER",` +
	`"type":"US_ACH","transferIn":true,"transferOut":true,"accountId":"acc-1"}]`

// newBankUser stores a user as a bank knows them: newUser's name, email
// and phone, plus an address, a birthdate that makes them 21 (not 25)
// today, and payment accounts.
func (e *env) newBankUser() store.User {
	e.t.Helper()
	n := uuid.NewString()
	now := e.clock.Now()
	u := store.User{
		ID: "user-test-" + n, ProjectID: e.projectID, Status: "active",
		Name:      store.Name{First: "Ada", Last: "Lovelace"},
		Email:     &store.Email{ID: "email-test-" + n, Address: "ada-" + n[:8] + "@example.com", Verified: true},
		Address:   &store.Address{StreetAddress: "1 Main St", Locality: "Springfield", Region: "IL", PostalCode: "62701"},
		Birthdate: now.UTC().AddDate(-21, 0, -1).Format(time.DateOnly),
		// The store keeps the JSON as it likes; compare it as values.
		PaymentDetails: json.RawMessage(testPaymentDetails),
		CreatedAt:      now, UpdatedAt: now,
	}
	if err := e.st.CreateUser(e.t.Context(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// idTokenClaims reads an ID token's claims after checking it with the
// project's keys.
func (e *env) idTokenClaims(tok string) map[string]any {
	e.t.Helper()
	_, c := e.verified(e.projectID, tok)
	return c
}

// jsonEqual compares two JSON texts as values.
func jsonEqual(t *testing.T, got any, want string) bool {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(w)
	return bytes.Equal(gb, wb)
}

// Each scope releases its claims, in the ID token and UserInfo; the
// payment_details scope into UserInfo only.
func TestBankScopeClaims(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("first_party")
	u := e.newBankUser()
	address := `{"street_address":"1 Main St","locality":"Springfield","region":"IL","postal_code":"62701"}`
	for _, tt := range []struct {
		scope      string
		idToken    map[string]string // claim -> JSON value
		userInfo   map[string]string
		notIDToken []string
	}{
		{scope: "profile",
			idToken:    map[string]string{"given_name": `"Ada"`, "family_name": `"Lovelace"`, "birthdate": `"` + u.Birthdate + `"`},
			notIDToken: []string{"address", "email", "age_over_18", "payment_details"}},
		{scope: "address", idToken: map[string]string{"address": address}, notIDToken: []string{"birthdate", "given_name"}},
		{scope: "email", idToken: map[string]string{"email": `"` + u.Email.Address + `"`, "email_verified": "true"}},
		{scope: "age_over_18 age_over_21 age_over_25",
			idToken:    map[string]string{"age_over_18": "true", "age_over_21": "true", "age_over_25": "false"},
			notIDToken: []string{"birthdate"}},
		{scope: "payment_details", userInfo: map[string]string{"payment_details": testPaymentDetails},
			notIDToken: []string{"payment_details"}},
	} {
		t.Run(tt.scope, func(t *testing.T) {
			code := e.code(c, u, codeSpec{scopes: append([]string{"openid"}, strings.Fields(tt.scope)...)})
			r := e.mustExchange(c, code)
			id := e.idTokenClaims(r.str("id_token"))
			ui := e.userinfo("Bearer " + r.str("access_token"))
			if ui.code != 200 {
				t.Fatalf("userinfo = %d %v", ui.code, ui.body)
			}
			for k, want := range tt.idToken {
				if !jsonEqual(t, id[k], want) {
					t.Errorf("ID token %s = %v, want %s", k, id[k], want)
				}
				if !jsonEqual(t, ui.body[k], want) {
					t.Errorf("userinfo %s = %v, want %s", k, ui.body[k], want)
				}
			}
			for k, want := range tt.userInfo {
				if !jsonEqual(t, ui.body[k], want) {
					t.Errorf("userinfo %s = %v, want %s", k, ui.body[k], want)
				}
			}
			for _, k := range tt.notIDToken {
				if _, ok := id[k]; ok {
					t.Errorf("ID token has %s: %v", k, id[k])
				}
			}
		})
	}
}

// The claims parameter (OIDC Core §5.5) releases claims where it names
// them, on top of the scopes', and the grant keeps it for refreshes.
func TestClaimsParameter(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("first_party")
	u := e.newBankUser()
	req := `{"id_token":{"email":{"essential":true},"shoe_size":null},"userinfo":{"payment_details":null,"address":{"essential":false}}}`
	code := e.code(c, u, codeSpec{scopes: []string{"openid", "offline_access"}, claims: req})
	r := e.mustExchange(c, code)
	check := func(what string, r reply) {
		t.Helper()
		id := e.idTokenClaims(r.str("id_token"))
		if id["email"] != u.Email.Address {
			t.Errorf("%s: ID token email = %v", what, id["email"])
		}
		for _, k := range []string{"address", "payment_details", "shoe_size", "email_verified"} {
			if _, ok := id[k]; ok {
				t.Errorf("%s: ID token has %s", what, k)
			}
		}
		ui := e.userinfo("Bearer " + r.str("access_token"))
		if !jsonEqual(t, ui.body["payment_details"], testPaymentDetails) || ui.body["address"] == nil {
			t.Errorf("%s: userinfo = %v, want payment_details and address", what, ui.body)
		}
		if _, ok := ui.body["email"]; ok {
			t.Errorf("%s: userinfo has email, asked for in the ID token only", what)
		}
		// The userinfo claims request opens the payment details endpoint.
		if code, body := e.paymentDetails(nil, r.str("access_token")); code != 200 || !jsonEqual(t, body, testPaymentDetails) {
			t.Errorf("%s: payment details = %d %v", what, code, body)
		}
	}
	check("code", r)
	rr := e.refresh(c, r.str("refresh_token"))
	if rr.code != 200 {
		t.Fatalf("refresh = %d %v", rr.code, rr.body)
	}
	check("refresh", rr)
}

// ID tokens are signed with the client's id_token_signed_response_alg
// (RS256 by default), verify with the published JWKS, and at_hash is the
// SHA-256 half of the access token.
func TestIDTokenAlg(t *testing.T) {
	e := newEnv(t)
	u := e.newUser(e.projectID)
	for _, alg := range []string{"", "PS256", "ES256"} {
		t.Run("alg "+alg, func(t *testing.T) {
			var extra []any
			if alg != "" {
				extra = []any{"id_token_signed_response_alg", alg}
			}
			c := e.newClient("first_party", extra...)
			r := e.mustExchange(c, e.code(c, u, codeSpec{scopes: []string{"openid"}, nonce: "n-1"}))
			want := alg
			if want == "" {
				want = "RS256"
			}
			claims := e.verifyWithJWKS(t, r.str("id_token"), want)
			sum := sha256.Sum256([]byte(r.str("access_token")))
			if claims["at_hash"] != base64.RawURLEncoding.EncodeToString(sum[:16]) || claims["nonce"] != "n-1" || claims["sub"] != u.ID {
				t.Errorf("claims = %v", claims)
			}
		})
	}
}

// verifyWithJWKS checks tok, signed with alg, by the keys the server
// publishes at its jwks_uri, as a relying party does. The root JWKS is
// rebuilt every 10 s (internal/server), so the clock first moves past
// that: a project's first PS256 or ES256 key is made by the first ID
// token that needs it.
func (e *env) verifyWithJWKS(t *testing.T, tok, alg string) map[string]any {
	t.Helper()
	e.clock.Advance(11 * time.Second)
	base := e.url
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		t.Fatalf("ID token is not a %s JWS: %v", alg, err)
	}
	if h := parsed.Headers[0]; h.KeyID == "" || h.ExtraHeaders["typ"] != "JWT" {
		t.Errorf("header = %+v", h)
	}
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	keys := set.Key(parsed.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys of kid %s", len(keys), parsed.Headers[0].KeyID)
	}
	var claims map[string]any
	if err := parsed.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("verify with the published key: %v", err)
	}
	return claims
}

// A client that registered id_token_encrypted_response_alg gets its ID
// token nested in a JWE for its key (OIDC Core §10.2), with the header
// IDPartner's clients read: cty JWT, kid, iss and aud.
func TestEncryptedIDToken(t *testing.T) {
	e := newEnv(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: key.Public(), KeyID: "enc-1", Use: "enc", Algorithm: "RSA-OAEP"}}})
	c := e.newClient("first_party", "jwks", json.RawMessage(jwks), "id_token_signed_response_alg", "PS256",
		"id_token_encrypted_response_alg", "RSA-OAEP", "id_token_encrypted_response_enc", "A256CBC-HS512")
	u := e.newBankUser()
	r := e.mustExchange(c, e.code(c, u, codeSpec{scopes: []string{"openid", "email", "offline_access"}}))
	for what, tok := range map[string]string{"code": r.str("id_token"), "refresh": e.refresh(c, r.str("refresh_token")).str("id_token")} {
		jwe, err := jose.ParseEncryptedCompact(tok, []jose.KeyAlgorithm{jose.RSA_OAEP}, []jose.ContentEncryption{jose.A256CBC_HS512})
		if err != nil {
			t.Fatalf("%s: ID token is not an RSA-OAEP/A256CBC-HS512 JWE: %v", what, err)
		}
		h := jwe.Header
		if h.KeyID != "enc-1" || h.ExtraHeaders["cty"] != "JWT" || h.ExtraHeaders["iss"] != e.url || h.ExtraHeaders["aud"] != c.id {
			t.Errorf("%s: JWE header = kid %q %v", what, h.KeyID, h.ExtraHeaders)
		}
		nested, err := jwe.Decrypt(key)
		if err != nil {
			t.Fatalf("%s: decrypt: %v", what, err)
		}
		claims := e.verifyWithJWKS(t, string(nested), "PS256")
		if claims["email"] != u.Email.Address || claims["aud"].([]any)[0] != c.id {
			t.Errorf("%s: claims = %v", what, claims)
		}
	}
}

// paymentDetails calls the payment details endpoint with a Bearer token
// (no Authorization header if tok is ""), through hc (default the env's).
func (e *env) paymentDetails(hc *http.Client, tok string) (int, any) {
	e.t.Helper()
	code, _, body := e.paymentDetailsRaw(hc, tok)
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		e.t.Fatalf("payment details body is not JSON: %q", body)
	}
	return code, v
}

func (e *env) paymentDetailsRaw(hc *http.Client, tok string) (int, http.Header, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+"/v1/oauth2/payment_details", nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Accept", "application/json")
	if hc == nil {
		hc = e.hc
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// The payment details endpoint answers a token of the payment_details
// scope with the bare array (reference/idpartner-protocol.md §4.3).
func TestPaymentDetailsEndpoint(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("first_party")
	bank, plain := e.newBankUser(), e.newUser(e.projectID)
	token := func(u store.User, scopes ...string) string {
		return e.mustExchange(c, e.code(c, u, codeSpec{scopes: scopes})).str("access_token")
	}
	m2m := e.newM2M()
	m2mToken := e.form("/v1/oauth2/token", &m2m, "grant_type", "client_credentials").str("access_token")
	if m2mToken == "" {
		t.Fatal("no M2M token")
	}
	for _, tt := range []struct {
		name      string
		tok       string
		wantCode  int
		wantBody  string // JSON, for 200
		wantError string
	}{
		{"ok", token(bank, "openid", "payment_details"), 200, testPaymentDetails, ""},
		{"without openid", token(bank, "payment_details"), 200, testPaymentDetails, ""},
		{"no payment accounts", token(plain, "openid", "payment_details"), 200, `[]`, ""},
		{"no scope", token(bank, "openid", "profile"), 403, "", "insufficient_scope"},
		{"M2M token", m2mToken, 401, "", "invalid_token"},
		{"garbage", "not-a-token", 401, "", "invalid_token"},
		{"no token", "", 401, "", "invalid_token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := e.paymentDetailsRaw(nil, tt.tok)
			if code != tt.wantCode {
				t.Fatalf("payment details = %d %s, want %d", code, body, tt.wantCode)
			}
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", h.Get("Cache-Control"))
			}
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if tt.wantCode == 200 {
				if !jsonEqual(t, v, tt.wantBody) {
					t.Errorf("body = %s, want %s", body, tt.wantBody)
				}
				return
			}
			if m, _ := v.(map[string]any); m["error"] != tt.wantError {
				t.Errorf("body = %s, want error %s", body, tt.wantError)
			}
			// RFC 6750 §3, §3.1: the challenge names the error, 403
			// insufficient_scope included.
			if want := `Bearer error="` + tt.wantError + `"`; h.Get("WWW-Authenticate") != want {
				t.Errorf("WWW-Authenticate = %q, want %q", h.Get("WWW-Authenticate"), want)
			}
		})
	}
}

// A certificate-bound token opens the payment details endpoint only over
// a connection with its certificate (RFC 8705 §3).
func TestPaymentDetailsBoundToken(t *testing.T) {
	e, ts := newTLSEnv(t)
	c := e.newClient("first_party", "tls_client_certificate_bound_access_tokens", true)
	u := e.newBankUser()
	cert, other := clientCert(t, "app"), clientCert(t, "app")
	code := e.code(c, u, codeSpec{scopes: []string{"openid", "payment_details"}})
	r := e.sendWith(withCert(ts, &cert), exchangeRequest(e, c, code))
	if r.code != 200 {
		t.Fatalf("token = %d %v", r.code, r.body)
	}
	at := r.str("access_token")
	for _, tt := range []struct {
		name string
		hc   *http.Client
		want int
	}{
		{"with its certificate", withCert(ts, &cert), 200},
		{"without a certificate", withCert(ts, nil), 401},
		{"with another certificate", withCert(ts, &other), 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := e.paymentDetails(tt.hc, at)
			if code != tt.want {
				t.Fatalf("payment details = %d %v, want %d", code, body, tt.want)
			}
			if m, _ := body.(map[string]any); tt.want == 401 && m["error"] != "invalid_token" {
				t.Errorf("body = %v", body)
			}
		})
	}
}

// exchangeRequest is the code exchange of a confidential client, with
// its secret in HTTP Basic.
func exchangeRequest(e *env, c client, code string) *http.Request {
	body := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.redirectURI}}
	req, _ := http.NewRequest("POST", e.url+"/v1/oauth2/token", strings.NewReader(body.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.id), url.QueryEscape(c.secret))
	return req
}
