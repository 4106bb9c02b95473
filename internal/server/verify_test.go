package server

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/web"
	"github.com/signet-id/signet/oidc"
	"github.com/signet-id/signet/rp/rptest"
)

func TestBankVerificationJourney(t *testing.T) {
	e := newBankEnv(t)
	bank, bankID := e.addBank("Mikomo Bank", rptest.Options{Subject: "cust-42", Claims: map[string]any{
		"email": "ada@example.com", "email_verified": true, "given_name": "Ada", "family_name": "Lovelace",
		"phone_number": "+1 202 555 0123", "birthdate": "1990-12-10", "acr": "urn:bank:loa:3"}})

	b := newBrowser(t)
	back := atBank(t, b, bank, e.toBank(b, bankID))
	q := e.finish(b, back)
	if q.Get("code") == "" || q.Get("state") != "app-state" {
		t.Fatalf("application got %v", q)
	}
	// The bank is told which application the person came from.
	if got := bank.LastPushed()["requester_name"]; got != "Demo" {
		t.Errorf("requester_name pushed to the bank = %q, want the application's name", got)
	}
	// The bank's answer is spent, and the clean resume address can be
	// reloaded: the request proceeds with the session, as a revisit.
	// Back from the application to the bank's answer: a page with a way
	// on (no dead end), which goes on as the resume does.
	if again := b.get(back.req); again.status != http.StatusOK || !strings.Contains(again.body, "You&#39;re verified") ||
		!strings.Contains(again.body, `href="`+e.URL+`/verify/resume"`) {
		t.Errorf("callback replay: %d\n%s", again.status, again.body)
	}
	if again := b.get(e.URL + "/verify/resume"); again.status != http.StatusFound || !strings.HasPrefix(again.location, e.redirect+"?code=") {
		t.Errorf("resume reload: %d %q", again.status, again.location)
	}
	if !strings.Contains(e.metrics(t), `signet_bank_verifications_total{outcome="verified"} 1`) {
		t.Error("the verification was not counted")
	}
	// The audit log: the run verified, and the person signed in by bank.
	var outcomes []string
	for _, ev := range auditEvents(t, e.testServer, "type=bank_verification&type=sign_in") {
		outcomes = append(outcomes, summary(ev))
	}
	if got := strings.Join(outcomes, ", "); got != "bank_verification success, sign_in success method=bank" {
		t.Errorf("audit events: %s", got)
	}
	list := e.users(t)
	if len(list) != 1 {
		t.Fatalf("users = %d, want 1", len(list))
	}
	u := list[0].(map[string]any)
	userID := u["user_id"].(string)
	resp, got := e.do(t, "GET", "/v1/users/"+userID, "", "", true)
	if resp.StatusCode != 200 {
		t.Fatal(got)
	}
	name := got["name"].(map[string]any)
	if name["first_name"] != "Ada" || name["last_name"] != "Lovelace" || got["birthdate"] != "1990-12-10" {
		t.Errorf("user = %v", got)
	}
	if ph := got["phone_numbers"].([]any); len(ph) != 1 || ph[0].(map[string]any)["phone_number"] != "+12025550123" {
		t.Errorf("phone_numbers = %v", got["phone_numbers"])
	}
	em := got["emails"].([]any)[0].(map[string]any)
	if em["email"] != "ada@example.com" || em["verified"] != true {
		t.Errorf("emails = %v", em)
	}
	vs := got["verifications"].([]any)
	v := vs[0].(map[string]any)
	if len(vs) != 1 || v["bank_subject"] != "cust-42" || v["bank_issuer"] != bank.Issuer() || v["bank_name"] != "Mikomo Bank" ||
		v["acr"] != "urn:bank:loa:3" || v["bank_id"] != bankID {
		t.Errorf("verifications = %v", vs)
	}
	claims := v["claims"].(map[string]any)
	if claims["given_name"] != "Ada" || claims["sub"] != "cust-42" || claims["nonce"] != nil || claims["iss"] != nil {
		t.Errorf("recorded claims = %v (want the person's claims, not the protocol's)", claims)
	}
	src := got["trusted_metadata"].(map[string]any)["external_source"].(map[string]any)
	if src["type"] != "bank" || src["subject"] != "cust-42" || src["issuer"] != bank.Issuer() {
		t.Errorf("external_source = %v", src)
	}
	if stored, _ := e.st.User(t.Context(), e.projectID, userID); stored.PaymentDetails != nil {
		t.Errorf("payment details stored without the scope: %s", stored.PaymentDetails)
	}
	_, sess := e.do(t, "GET", "/v1/sessions?user_id="+userID, "", "", true)
	factors := fmt.Sprint(sess["sessions"])
	if !strings.Contains(factors, "oauth_bank") || !strings.Contains(factors, "cust-42") {
		t.Errorf("session factors = %s", factors)
	}

	// A second verification of the same bank customer, in a new browser,
	// is the same user; the selector pre-selects nothing (new visitor).
	b2 := newBrowser(t)
	q = e.finish(b2, atBank(t, b2, bank, e.toBank(b2, bankID)))
	if q.Get("code") == "" {
		t.Fatal(q)
	}
	if n := len(e.users(t)); n != 1 {
		t.Fatalf("users after second verification = %d, want 1", n)
	}

	// The same browser again: its choice is remembered and listed first.
	q2 := url.Values{"client_id": {e.clientID}, "visitor_id": {"visitor-1"}, "scope": {"openid"}}
	sel := b.get(e.URL + "/select-bank?" + q2.Encode())
	_, fields := sel.form(t, "/select-bank")
	fields.Set("bank_id", bankID)
	chosen := b.send("POST", e.URL+"/select-bank", fields)
	if !strings.HasPrefix(chosen.location, "https://app.example/bank?") {
		t.Fatalf("public selector returned to %q", chosen.location)
	}
	if again := b.get(e.URL + "/select-bank?" + q2.Encode()); !strings.Contains(again.body, "Used last time") {
		t.Errorf("remembered bank not pre-selected:\n%s", again.body)
	}
}

// With keys, the request object is signed and the JARM and ID token
// come encrypted; the journey is the same.
func TestBankVerificationEncrypted(t *testing.T) {
	e := newBankEnv(t)
	priv, pub := rptest.GenerateJWKS(t)
	bank, bankID := e.addBankKeys("Mikomo Bank", rptest.Options{Subject: "enc-1"}, priv, pub)
	b := newBrowser(t)
	if q := e.finish(b, atBank(t, b, bank, e.toBank(b, bankID))); q.Get("code") == "" {
		t.Fatal(q)
	}
	// The bank refuses an unencrypted answer for this client: prove the
	// check is live by making it send one.
	bank.SetFailure(rptest.UnencryptedResponse)
	b2 := newBrowser(t)
	back := atBank(t, b2, bank, e.toBank(b2, bankID))
	if !strings.Contains(back.body, "could not be verified") {
		t.Fatalf("unencrypted JARM accepted: %d\n%s", back.status, back.body)
	}
}

// A bank with mutual TLS (tls_client_auth, RFC 8705 §2.1) whose server
// certificate chains to a private CA: the registry's tls_server_ca makes
// it usable, and without it the bank cannot be reached.
func TestBankVerificationMTLS(t *testing.T) {
	e := newBankEnv(t)
	bank := rptest.NewServer(t, rptest.Options{TLS: true, Subject: "mtls-1"})
	bank.RegisterClient(rptest.Client{ID: "signet-mtls", AuthMethod: "tls_client_auth", RedirectURIs: []string{e.URL + banks.CallbackPath}})
	cert := bank.ClientCertificate(t, "signet-mtls")
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	// Saved without its CA on purpose (skip_checks: the checks would
	// refuse it), to see the flow's answer, then fixed.
	spec := map[string]any{"issuer": bank.Issuer(), "display_name": "Mutual Bank", "client_id": "signet-mtls",
		"auth_method": "tls_client_auth", "skip_checks": true,
		"tls_client_cert": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})),
		"tls_client_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))}
	body, _ := json.Marshal(spec)
	resp, out := e.do(t, "POST", "/v1/banks", "application/json", string(body), true)
	if resp.StatusCode != 200 {
		t.Fatal(out)
	}
	bankID := out["bank"].(map[string]any)["bank_id"].(string)

	b := newBrowser(t)
	if p := e.toBank(b, bankID); !strings.Contains(p.body, "Mutual Bank could not be reached") {
		t.Fatalf("without its CA: %d\n%s", p.status, p.body)
	}
	ca, _ := json.Marshal(map[string]string{"tls_server_ca": string(bank.CertificatePEM())})
	if resp, out := e.do(t, "PUT", "/v1/banks/"+bankID, "application/json", string(ca), true); resp.StatusCode != 200 {
		t.Fatal(out)
	}
	b = newBrowser(t)
	if q := e.finish(b, atBank(t, b, bank, e.toBank(b, bankID))); q.Get("code") == "" {
		t.Fatal(q)
	}
	if n := len(e.users(t)); n != 1 {
		t.Errorf("users = %d", n)
	}
}

// Failures at the bank come back to the sign-in page with a clear
// sentence, and leave no user behind.
func TestBankVerificationFailures(t *testing.T) {
	tests := []struct {
		name    string
		failure rptest.Failure
		want    string
		outcome string
	}{
		{"denied", rptest.ErrorJARM, "You cancelled the verification at Mikomo Bank", "access_denied"},
		{"bank error", rptest.ServerErrorJARM, "Mikomo Bank could not verify you just now. This is temporary", "bank_error"},
		{"forged answer", rptest.WrongSigningKey, "The answer from Mikomo Bank could not be verified", "invalid_bank_response"},
		{"wrong state", rptest.WrongState, "The answer from Mikomo Bank could not be verified", "invalid_bank_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newBankEnv(t)
			bank, bankID := e.addBank("Mikomo Bank", rptest.Options{})
			bank.SetFailure(tt.failure)
			b := newBrowser(t)
			back := atBank(t, b, bank, e.toBank(b, bankID))
			if !strings.Contains(html.UnescapeString(back.body), tt.want) || !strings.Contains(back.body, `name="password"`) {
				t.Fatalf("callback %d, want the sign-in page saying %q:\n%s", back.status, tt.want, back.body)
			}
			if n := len(e.users(t)); n != 0 {
				t.Errorf("users = %d, want none", n)
			}
			if m := e.metrics(t); !strings.Contains(m, `signet_bank_verifications_total{outcome="`+tt.outcome+`"} 1`) {
				t.Errorf("outcome %s not counted in /metrics", tt.outcome)
			}
			if ev := auditEvents(t, e.testServer, "type=bank_verification"); len(ev) != 1 || ev[0]["outcome"] != "failure" ||
				ev[0]["details"].(map[string]any)["error"] != tt.outcome {
				t.Errorf("audit events: %v, want one failure with error %s", ev, tt.outcome)
			}
			// The answer cannot be replayed: the run is over.
			if again := b.get(e.URL + banks.CallbackPath + "?response=x"); again.status != http.StatusBadRequest {
				t.Errorf("replay: %d", again.status)
			}
		})
	}
}

// A bank that cannot be reached fails at the push, before the browser
// leaves: the sign-in page says so.
func TestBankVerificationUnreachable(t *testing.T) {
	e := newBankEnv(t)
	dead := httptest.NewServer(nil)
	issuer := dead.URL
	dead.Close() // nothing listens there any more
	body, _ := json.Marshal(map[string]any{"issuer": issuer, "display_name": "Gone Bank", "client_id": "c",
		"auth_method": "client_secret_basic", "client_secret": "s", "skip_checks": true})
	resp, out := e.do(t, "POST", "/v1/banks", "application/json", string(body), true)
	if resp.StatusCode != 200 {
		t.Fatal(out)
	}
	b := newBrowser(t)
	p := e.toBank(b, out["bank"].(map[string]any)["bank_id"].(string))
	if p.status != http.StatusBadGateway || !strings.Contains(p.body, "Gone Bank could not be reached") {
		t.Fatalf("got %d:\n%s", p.status, p.body)
	}
	if n := len(e.users(t)); n != 0 {
		t.Errorf("users = %d", n)
	}
}

// An answer from a bank other than the one chosen is refused, even
// though that bank is registered and its answer is validly signed.
func TestBankVerificationAnswerFromOtherBank(t *testing.T) {
	e := newBankEnv(t)
	chosen, chosenID := e.addBank("Mikomo Bank", rptest.Options{Subject: "a"})
	other, otherID := e.addBank("Other Bank", rptest.Options{Subject: "b"})
	_ = chosen

	victim := newBrowser(t)
	if p := e.toBank(victim, chosenID); p.status != http.StatusSeeOther {
		t.Fatal(p)
	}
	attacker := newBrowser(t)
	foreign, err := other.Authorize(e.toBank(attacker, otherID).location)
	if err != nil {
		t.Fatal(err)
	}
	back := victim.get(foreign)
	if !strings.Contains(back.body, "The answer from Mikomo Bank could not be verified") {
		t.Fatalf("got %d:\n%s", back.status, back.body)
	}
	if n := len(e.users(t)); n != 0 {
		t.Errorf("users = %d", n)
	}
}

// A tampered selection (another bank's issuer in the query) is refused.
func TestBankSelectionTampered(t *testing.T) {
	e := newBankEnv(t)
	_, bankID := e.addBank("Mikomo Bank", rptest.Options{})
	b := newBrowser(t)
	q := url.Values{"client_id": {e.clientID}, "redirect_uri": {e.redirect}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"s"}, "nonce": {"n"},
		"code_challenge": {oidc.S256Challenge(strings.Repeat("v", 43))}, "code_challenge_method": {"S256"}}
	login := b.get(e.URL + "/oauth2/authorize?" + q.Encode())
	action, fields := login.form(t, "/oauth2/authorize/bank")
	sel := b.send("POST", e.abs(action), fields)
	action, fields = b.get(e.abs(sel.location)).form(t, "/select-bank")
	fields.Set("bank_id", bankID)
	chosen := b.send("POST", e.abs(action), fields)
	u, _ := url.Parse(chosen.location)
	v := u.Query()
	v.Set("iss", "https://evil.example")
	u.RawQuery = v.Encode()
	if p := b.get(u.String()); p.status != http.StatusBadRequest || !strings.Contains(p.body, "Invalid bank selection") {
		t.Fatalf("tampered selection: %d\n%s", p.status, p.body)
	}
	// An origin_url the application did not register is refused with a
	// page, not a redirect.
	bad := url.Values{"client_id": {e.clientID}, "origin_url": {"https://evil.example/x"}}
	if p := b.get(e.URL + "/select-bank?" + bad.Encode()); p.status != http.StatusBadRequest || p.location != "" {
		t.Fatalf("unregistered origin: %d %q", p.status, p.location)
	}
}

// The API flow: start, the browser through the selector and the bank,
// the redirect with a one-time token, authenticate (with PKCE).
func TestBankVerificationAPI(t *testing.T) {
	e := newBankEnv(t)
	bank, bankID := e.addBank("Mikomo Bank", rptest.Options{Subject: "cust-7", Claims: map[string]any{
		"email": "grace@example.com", "email_verified": true, "given_name": "Grace", "family_name": "Hopper"}})
	verifier := strings.Repeat("k", 43)
	start := func() (string, string) {
		body := fmt.Sprintf(`{"redirect_url":"https://app.example/verified","code_challenge":%q,"scopes":["payment_details"]}`, oidc.S256Challenge(verifier))
		resp, out := e.do(t, "POST", "/v1/bank_verifications/start", "application/json", body, true)
		if resp.StatusCode != 200 {
			t.Fatalf("start: %v", out)
		}
		return out["bank_verification_id"].(string), out["url"].(string)
	}
	id, begin := start()
	b := newBrowser(t)
	sel := b.get(begin)
	action, fields := sel.form(t, "/verify/select")
	fields.Set("bank_id", bankID)
	toBank := b.send("POST", e.abs(action), fields)
	back := atBank(t, b, bank, toBank)
	m := refresh.FindStringSubmatch(back.body)
	if m == nil {
		t.Fatalf("callback: %d\n%s", back.status, back.body)
	}
	ret, _ := url.Parse(html.UnescapeString(m[1]))
	if ret.Host != "app.example" || ret.Query().Get("bank_verification_id") != id {
		t.Fatalf("returned to %v", ret)
	}
	token := ret.Query().Get("token")
	// The start URL works once.
	if p := b.get(begin); p.status != http.StatusBadRequest {
		t.Errorf("start URL reused: %d", p.status)
	}
	auth := func(tok, v string) (int, map[string]any) {
		resp, out := e.do(t, "POST", "/v1/bank_verifications/authenticate", "application/json",
			fmt.Sprintf(`{"token":%q,"code_verifier":%q,"session_duration_minutes":60}`, tok, v), true)
		return resp.StatusCode, out
	}
	if st, out := auth(token, strings.Repeat("x", 43)); st != 400 || out["error_type"] != "invalid_code_verifier" {
		t.Errorf("wrong verifier: %d %v", st, out)
	}
	st, out := auth(token, verifier)
	if st != 200 || out["user_created"] != true || out["session_token"] == "" {
		t.Fatalf("authenticate: %d %v", st, out)
	}
	u := out["user"].(map[string]any)
	if u["name"].(map[string]any)["first_name"] != "Grace" || out["verification"].(map[string]any)["bank_subject"] != "cust-7" {
		t.Errorf("authenticate user = %v", out)
	}
	if st, _ := auth(token, verifier); st != 401 {
		t.Errorf("token reused: %d", st)
	}
	// payment_details was asked for and granted (the bank's token
	// response omits scope: RFC 6749 §5.1, the requested ones), so the
	// accounts were stored.
	stored, err := e.st.User(t.Context(), e.projectID, out["user_id"].(string))
	if err != nil || !strings.Contains(string(stored.PaymentDetails), "1111222233334444") {
		t.Errorf("payment details = %s (%v)", stored.PaymentDetails, err)
	}
	_, status := e.do(t, "GET", "/v1/bank_verifications/"+id, "", "", true)
	if status["status"] != "done" || status["user_id"] != out["user_id"] {
		t.Errorf("status = %v", status)
	}
	// Same customer again, straight to the bank: same user, not created.
	resp, out2 := e.do(t, "POST", "/v1/bank_verifications/start", "application/json",
		fmt.Sprintf(`{"redirect_url":"https://app.example/verified","bank_id":%q}`, bankID), true)
	if resp.StatusCode != 200 {
		t.Fatal(out2)
	}
	b2 := newBrowser(t)
	back = atBank(t, b2, bank, b2.get(out2["url"].(string)))
	m = refresh.FindStringSubmatch(back.body)
	if m == nil {
		t.Fatalf("second callback: %s", back.body)
	}
	ret, _ = url.Parse(html.UnescapeString(m[1]))
	resp, out3 := e.do(t, "POST", "/v1/bank_verifications/authenticate", "application/json",
		fmt.Sprintf(`{"token":%q}`, ret.Query().Get("token")), true)
	if resp.StatusCode != 200 || out3["user_id"] != out["user_id"] || out3["user_created"] != false || out3["session"] != nil {
		t.Errorf("second authenticate: %v", out3)
	}
}

// An existing user with the bank's email is linked only when both sides
// verified the address; otherwise the verification is refused.
func TestBankVerificationEmailConflict(t *testing.T) {
	e := newBankEnv(t)
	resp, out := e.do(t, "POST", "/v1/users", "application/json", `{"email":"ada@example.com"}`, true)
	if resp.StatusCode != 200 {
		t.Fatal(out)
	}
	bank, bankID := e.addBank("Mikomo Bank", rptest.Options{Claims: map[string]any{"email": "ada@example.com", "email_verified": true, "given_name": "Ada"}})
	b := newBrowser(t)
	back := atBank(t, b, bank, e.toBank(b, bankID))
	if !strings.Contains(html.UnescapeString(back.body), "An account with this email address already exists") {
		t.Fatalf("got %d:\n%s", back.status, back.body)
	}
	if back.status != http.StatusConflict {
		t.Errorf("status = %d, want 409", back.status)
	}
	if m := e.metrics(t); !strings.Contains(m, `outcome="bank_email_conflict"`) {
		t.Errorf("the run's outcome is not bank_email_conflict:\n%s", m)
	}
	if n := len(e.users(t)); n != 1 {
		t.Errorf("users = %d, want the original only", n)
	}
	_, got := e.do(t, "GET", "/v1/users/"+out["user_id"].(string), "", "", true)
	if got["verifications"] != nil {
		t.Errorf("unverified-email user got a verification: %v", got["verifications"])
	}
}

// Back from the bank to the choice and choosing again starts a fresh
// attempt instead of a dead end; the earlier attempt's answer, should it
// still arrive, is refused without ending the run, and the fresh one
// completes.
func TestBankVerificationChooseAgain(t *testing.T) {
	e := newBankEnv(t)
	bank, bankID := e.addBank("Mikomo Bank", rptest.Options{Subject: "cust-7", Claims: map[string]any{
		"email": "grace@example.com", "email_verified": true, "given_name": "Grace"}})
	b := newBrowser(t)
	first := e.toBank(b, bankID)
	again := b.get(first.req) // Back to the choice, the same bank again
	if again.status != http.StatusSeeOther || again.location == first.location {
		t.Fatalf("choosing again: %d %q (first went to %q)", again.status, again.location, first.location)
	}
	oldCB, err := bank.Authorize(first.location)
	if err != nil {
		t.Fatal(err)
	}
	newCB, err := bank.Authorize(again.location)
	if err != nil {
		t.Fatal(err)
	}
	if old := b.get(oldCB); old.status != http.StatusConflict || !strings.Contains(old.body, "earlier attempt") {
		t.Fatalf("the earlier attempt's answer: %d\n%s", old.status, old.body)
	}
	q := e.finish(b, b.get(newCB))
	if q.Get("code") == "" || q.Get("state") != "app-state" {
		t.Fatalf("application got %v", q)
	}
	if n := len(e.users(t)); n != 1 {
		t.Errorf("users = %d, want 1", n)
	}
}

// Freshness at the bank (issue 21): what the application asks of the
// sign-in (prompt=login, max_age), and a bank's own max_age, are asked of
// the bank, and an answer whose auth_time does not honour them is refused
// (OIDC Core §3.1.2.1), so a bank session that outlived the person's
// sign-out does not verify the next person on a shared browser.
func TestBankVerificationFreshness(t *testing.T) {
	stale := time.Now().Add(-2 * time.Hour).Unix()
	for _, tc := range []struct {
		name       string
		authTime   any // the bank's auth_time; nil: now
		app        url.Values
		bankMaxAge any // PUT /v1/banks max_age; nil: none
		pushed     map[string]string
		ok         bool
	}{
		{"nothing asked, an old bank session is fine", stale, nil, nil, map[string]string{"prompt": "", "max_age": ""}, true},
		{"prompt=login, the bank signs in again", nil, url.Values{"prompt": {"login"}}, nil, map[string]string{"prompt": "login", "max_age": ""}, true},
		{"prompt=login, the bank does not", stale, url.Values{"prompt": {"login"}}, nil, map[string]string{"prompt": "login"}, false},
		{"max_age=0, the bank signs in again", nil, url.Values{"max_age": {"0"}}, nil, map[string]string{"prompt": "", "max_age": "0"}, true},
		{"max_age=600, the bank's session is older", stale, url.Values{"max_age": {"600"}}, nil, map[string]string{"max_age": "600"}, false},
		{"the bank's own max_age", stale, nil, 300, map[string]string{"prompt": "", "max_age": "300"}, false},
		{"the smaller of both", nil, url.Values{"max_age": {"900"}}, 300, map[string]string{"max_age": "300"}, true},
		{"no auth_time when asked", "absent", url.Values{"max_age": {"60"}}, nil, map[string]string{"max_age": "60"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newBankEnv(t)
			opts := rptest.Options{Subject: "cust-9", Claims: map[string]any{"email": "lin@example.com", "email_verified": true}}
			switch tc.authTime {
			case nil:
			case "absent":
				opts.Claims["auth_time"] = nil
			default:
				opts.Claims["auth_time"] = tc.authTime
			}
			bank, bankID := e.addBank("Mikomo Bank", opts)
			if tc.bankMaxAge != nil {
				body, _ := json.Marshal(map[string]any{"max_age": tc.bankMaxAge})
				if resp, out := e.do(t, "PUT", "/v1/banks/"+bankID, "application/json", string(body), true); resp.StatusCode != 200 ||
					out["bank"].(map[string]any)["max_age"] != float64(tc.bankMaxAge.(int)) {
					t.Fatalf("set max_age: %d %v", resp.StatusCode, out)
				}
			}
			b := newBrowser(t)
			back := atBank(t, b, bank, e.toBank(b, bankID, tc.app))
			got := bank.LastPushed()
			for k, want := range tc.pushed {
				if got[k] != want {
					t.Errorf("pushed %s = %q, want %q", k, got[k], want)
				}
			}
			if !tc.ok {
				if !strings.Contains(html.UnescapeString(back.body), "did not ask you to sign in again") {
					t.Fatalf("callback %d, want the stale sign-in refused:\n%s", back.status, back.body)
				}
				if n := len(e.users(t)); n != 0 {
					t.Errorf("users = %d, want none", n)
				}
				return
			}
			if q := e.finish(b, back); q.Get("code") == "" {
				t.Fatalf("application got %v", q)
			}
		})
	}
}

// After a person signs out of Signet (RP-initiated logout), the next bank
// verification in that browser asks the bank for a fresh sign-in
// (prompt=login) and refuses an answer from the bank's old session, so the
// next person on a shared browser is not verified as the previous one
// (issue 21). Once a bank has signed the person in afresh, the browser's
// mark is gone.
func TestBankVerificationAfterSignOut(t *testing.T) {
	stale := time.Now().Add(-2 * time.Hour).Unix()
	for _, tc := range []struct {
		name     string
		authTime any // the bank's auth_time (its session's age); nil: now
		ok       bool
	}{
		{"the bank signs the person in again", nil, true},
		{"the bank's old session answers", stale, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newBankEnv(t)
			opts := rptest.Options{Subject: "cust-7", Claims: map[string]any{"email": "kai@example.com", "email_verified": true}}
			if tc.authTime != nil {
				opts.Claims["auth_time"] = tc.authTime
			}
			bank, bankID := e.addBank("Mikomo Bank", opts)
			b := newBrowser(t)
			// First verification: nothing asked, the bank's session will do.
			if q := e.finish(b, atBank(t, b, bank, e.toBank(b, bankID))); q.Get("code") == "" {
				t.Fatalf("application got %v", q)
			}
			if got := bank.LastPushed()["prompt"]; got != "" {
				t.Errorf("first verification pushed prompt=%q", got)
			}
			// Sign out of Signet (the confirmation: the app sent no hint).
			ask := b.get(e.URL + "/oauth2/logout?" + url.Values{"client_id": {e.clientID}}.Encode())
			action, fields := ask.form(t, "/oauth2/logout/confirm")
			fields.Set("decision", "logout")
			if out := b.send("POST", e.abs(action), fields); out.status != 200 || !strings.Contains(out.body, "You are signed out") {
				t.Fatalf("sign-out: %d\n%s", out.status, out.body)
			}
			if !b.hasCookie(e.URL, web.SignedOutCookie) {
				t.Fatal("the browser is not marked signed out")
			}
			// The next verification asks the bank for a fresh sign-in.
			back := atBank(t, b, bank, e.toBank(b, bankID))
			if got := bank.LastPushed()["prompt"]; got != "login" {
				t.Errorf("after sign-out, pushed prompt=%q, want login", got)
			}
			if !tc.ok {
				if !strings.Contains(html.UnescapeString(back.body), "did not ask you to sign in again") {
					t.Fatalf("callback %d, want the stale sign-in refused:\n%s", back.status, back.body)
				}
				if !b.hasCookie(e.URL, web.SignedOutCookie) {
					t.Error("the mark was cleared by a refused answer")
				}
				return
			}
			if q := e.finish(b, back); q.Get("code") == "" {
				t.Fatalf("application got %v", q)
			}
			if b.hasCookie(e.URL, web.SignedOutCookie) {
				t.Error("the mark outlived a fresh sign-in at the bank")
			}
		})
	}
}
