package e2e

import (
	"html"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/signet-id/signet/rp/rptest"
)

// "Verify with your bank" against the real server: the hosted sign-in
// page, the account selector, a bank (the real `signet sandbox-bank`, or
// rptest fakes where a bank must misbehave to order), Signet's callback,
// and back to the application; and the same through the API flow
// (/v1/bank_verifications/...). The application side is x/oauth2 (code
// flow with PKCE) and go-oidc (the ID token).

// A person signs in to an application by verifying with the sandbox
// bank: the user is created from the bank's claims with its provenance,
// the ID token Signet issues is for that user, and a second verification
// of the same bank customer is the same user.
func TestVerifyWithBankSignIn(t *testing.T) {
	s := startServer(t)
	bank := startSandboxBank(t, "--rp-redirect", s.URL+callbackPath)
	bankID := s.addSandboxBank(t, bank)
	app := s.oidcApp(t)
	email, password := sandboxUser(t, bank, "mikomo_10@sandbox.bank")

	var userID string
	for _, run := range []string{"first", "second"} {
		t.Run(run, func(t *testing.T) {
			b := newBrowser(t) // a new browser: no session at Signet or the bank
			req := app.request()
			cb := atSandbox(t, b, bank, chooseBank(t, b, req.URL, bankID), s.URL, email, password, "allow")
			idt, tok := app.signIn(t, req, toApp(t, b, b.get(cb), appRedirect))
			var claims struct {
				Email         string `json:"email"`
				EmailVerified bool   `json:"email_verified"`
				Name          string `json:"name"`
			}
			if err := idt.Claims(&claims); err != nil || claims.Email != email || !claims.EmailVerified || claims.Name != "Mikomo Tanaka" {
				t.Errorf("ID token claims = %+v, %v", claims, err)
			}
			if info, err := app.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err != nil || info.Subject != idt.Subject {
				t.Errorf("userinfo = %+v, %v", info, err)
			}
			if n := s.userCount(t); n != 1 {
				t.Errorf("users = %d after the %s verification, want 1", n, run)
			}
			if userID == "" {
				userID = idt.Subject
				checkBankUser(t, s, userID, bankID, bank.Issuer, email)
			} else if idt.Subject != userID {
				t.Errorf("second verification signed in %s, want the same user %s", idt.Subject, userID)
			}
		})
	}
}

// A person who cancels at the bank is back on the sign-in page of the
// same request, and can try again from there.
func TestVerifyWithBankRetryAfterCancel(t *testing.T) {
	s := startServer(t)
	bank := startSandboxBank(t, "--rp-redirect", s.URL+callbackPath)
	bankID := s.addSandboxBank(t, bank)
	app := s.oidcApp(t)
	email, password := sandboxUser(t, bank, "jordan_23@sandbox.bank")

	b := newBrowser(t)
	req := app.request()
	login := b.get(atSandbox(t, b, bank, chooseBank(t, b, req.URL, bankID), s.URL, email, password, "deny"))
	if want := "You cancelled the verification at Sandbox Bank."; login.status != http.StatusForbidden || !strings.Contains(login.alert(), want) {
		t.Fatalf("after cancelling: %d %q, want 403 saying %q", login.status, login.alert(), want)
	}
	if n := s.userCount(t); n != 0 {
		t.Fatalf("users = %d after cancelling, want none", n)
	}
	// "Verify with your bank" on the page shown: a new run, same request.
	cb := atSandbox(t, b, bank, chooseBankFrom(t, b, login, bankID), s.URL, email, password, "allow")
	idt, _ := app.signIn(t, req, toApp(t, b, b.get(cb), appRedirect))
	if n := s.userCount(t); n != 1 {
		t.Errorf("users = %d, want 1", n)
	}
	var u struct {
		Emails []struct {
			Email string `json:"email"`
		} `json:"emails"`
	}
	if code := s.call(t, "GET", "/v1/users/"+idt.Subject, nil, &u); code != http.StatusOK || len(u.Emails) != 1 || u.Emails[0].Email != email {
		t.Errorf("GET /v1/users/%s = %d %+v, want %s", idt.Subject, code, u, email)
	}
}

// checkBankUser checks GET /v1/users/{id}: a user made from the sandbox
// customer, with the bank's verification and trusted_metadata naming it.
func checkBankUser(t *testing.T, s *Server, id, bankID, issuer, email string) {
	t.Helper()
	var u struct {
		UserID string `json:"user_id"`
		Name   struct {
			FirstName string `json:"first_name"`
			LastName  string `json:"last_name"`
		} `json:"name"`
		Emails []struct {
			Email    string `json:"email"`
			Verified bool   `json:"verified"`
		} `json:"emails"`
		Verifications []struct {
			Type        string `json:"type"`
			BankID      string `json:"bank_id"`
			BankIssuer  string `json:"bank_issuer"`
			BankName    string `json:"bank_name"`
			BankSubject string `json:"bank_subject"`
		} `json:"verifications"`
		TrustedMetadata struct {
			ExternalSource struct {
				Type    string `json:"type"`
				BankID  string `json:"bank_id"`
				Issuer  string `json:"issuer"`
				Subject string `json:"subject"`
			} `json:"external_source"`
		} `json:"trusted_metadata"`
	}
	if code := s.call(t, "GET", "/v1/users/"+id, nil, &u); code != http.StatusOK || u.UserID != id {
		t.Fatalf("GET /v1/users/%s (the ID token's sub) = %d %+v", id, code, u)
	}
	if u.Name.FirstName != "Mikomo" || u.Name.LastName != "Tanaka" || len(u.Emails) != 1 || u.Emails[0].Email != email || !u.Emails[0].Verified {
		t.Errorf("user = %+v, want Mikomo Tanaka with the bank's verified email", u)
	}
	if len(u.Verifications) != 1 {
		t.Fatalf("verifications = %+v, want one", u.Verifications)
	}
	v := u.Verifications[0]
	if v.Type != "bank" || v.BankID != bankID || v.BankIssuer != issuer || v.BankName != "Sandbox Bank" || v.BankSubject == "" {
		t.Errorf("verifications[0] = %+v", v)
	}
	src := u.TrustedMetadata.ExternalSource
	if src.Type != "bank" || src.BankID != bankID || src.Issuer != issuer || src.Subject != v.BankSubject {
		t.Errorf("trusted_metadata.external_source = %+v, want the sandbox bank and subject %q", src, v.BankSubject)
	}
}

// The API flow with the sandbox bank: start, the one-time URL, the
// selector, the bank, the redirect with a token, authenticate with the
// PKCE verifier; a second run straight to the bank is the same user.
func TestVerifyWithBankAPI(t *testing.T) {
	s := startServer(t)
	bank := startSandboxBank(t, "--rp-redirect", s.URL+callbackPath)
	bankID := s.addSandboxBank(t, bank)
	_, otherID := s.fakeBank(t, "Other Bank", rptest.Options{}) // the selector offers a choice
	email, password := sandboxUser(t, bank, "mikomo_10@sandbox.bank")

	verifier := oauth2.GenerateVerifier()
	id, begin := s.startVerification(t, map[string]any{"redirect_url": apiRedirect,
		"code_challenge": oauth2.S256ChallengeFromVerifier(verifier), "scopes": []string{"payment_details"}})
	b := newBrowser(t)
	selector := b.get(begin)
	if selector.status != http.StatusOK || !strings.Contains(selector.body, "Sandbox Bank") ||
		!strings.Contains(selector.body, `value="`+otherID+`"`) {
		t.Fatalf("start URL (%d) does not show the selector with both banks:\n%s", selector.status, selector.body)
	}
	toBank := b.submitTo(selector, "/verify/select", url.Values{"bank_id": {bankID}})
	back := b.get(atSandbox(t, b, bank, toBank, s.URL, email, password, "allow"))
	token := verifiedToken(t, back, id)
	if p := b.get(begin); p.status != http.StatusBadRequest {
		t.Errorf("start URL used twice: %d, want 400", p.status)
	}

	if code, out := s.authenticate(t, map[string]any{"token": token, "code_verifier": oauth2.GenerateVerifier()}); code != http.StatusBadRequest || out.ErrorType != "invalid_code_verifier" {
		t.Errorf("authenticate with another verifier = %d %q, want 400 invalid_code_verifier", code, out.ErrorType)
	}
	code, first := s.authenticate(t, map[string]any{"token": token, "code_verifier": verifier, "session_duration_minutes": 60})
	if code != http.StatusOK || !first.UserCreated || first.UserID == "" || first.SessionToken == "" ||
		len(first.User.Emails) != 1 || first.User.Emails[0].Email != email ||
		first.Verification.BankID != bankID || first.Verification.BankSubject == "" {
		t.Fatalf("authenticate = %d %+v", code, first)
	}
	if code, _ := s.authenticate(t, map[string]any{"token": token, "code_verifier": verifier}); code != http.StatusUnauthorized {
		t.Errorf("token redeemed twice: %d, want 401", code)
	}
	if st := s.verificationStatus(t, id); st.Status != "done" || st.UserID != first.UserID || st.BankID != bankID || st.ErrorCode != "" {
		t.Errorf("status = %+v", st)
	}

	// Again, naming the bank: no selector, the same bank customer, the
	// same user, and no session when none is asked for.
	id2, begin2 := s.startVerification(t, map[string]any{"redirect_url": apiRedirect, "bank_id": bankID})
	b2 := newBrowser(t)
	back = b2.get(atSandbox(t, b2, bank, b2.get(begin2), s.URL, email, password, "allow"))
	code, second := s.authenticate(t, map[string]any{"token": verifiedToken(t, back, id2)})
	if code != http.StatusOK || second.UserID != first.UserID || second.UserCreated || second.Session != nil ||
		second.Verification.BankSubject != first.Verification.BankSubject {
		t.Errorf("second authenticate = %d %+v, want user %s again, not created, no session", code, second, first.UserID)
	}
	if n := s.userCount(t); n != 1 {
		t.Errorf("users = %d, want 1", n)
	}
}

// verifiedToken checks p sends the browser back to the API run's
// redirect_url with bank_verification_id id and a token, and returns it.
func verifiedToken(t *testing.T, p *page, id string) string {
	t.Helper()
	to := p.continueTo()
	u, err := url.Parse(to)
	if err != nil || !strings.HasPrefix(to, apiRedirect+"?") || u.Query().Get("bank_verification_id") != id ||
		u.Query().Get("token") == "" || u.Query().Get("error") != "" {
		t.Fatalf("callback (%d) does not return to %s with a token:\n%s", p.status, apiRedirect, p.body)
	}
	return u.Query().Get("token")
}

// Verifications that fail, on the sign-in page and through the API: the
// person is told what happened, in words, where the browser lands; the
// run is over and recorded as failed; and no user is created.
func TestVerifyWithBankFailures(t *testing.T) {
	s := startServer(t)
	sandbox := startSandboxBank(t, "--rp-redirect", s.URL+callbackPath)
	sandboxID := s.addSandboxBank(t, sandbox)
	email, password := sandboxUser(t, sandbox, "mikomo_10@sandbox.bank")
	// Signet has one key set at both fake banks, so Other Bank's answer
	// decrypts with Mikomo Bank's keys: only its signature, issuer and
	// state give it away.
	private, public := rptest.GenerateJWKS(t)
	mikomo, mikomoID := s.fakeBankKeys(t, "Mikomo Bank", rptest.Options{Subject: "cust-a"}, private, public)
	other, otherID := s.fakeBankKeys(t, "Other Bank", rptest.Options{Subject: "cust-b"}, private, public)
	goneID := s.addBank(t, map[string]any{"issuer": "http://" + freeAddr(t), "display_name": "Gone Bank",
		"client_id": "signet", "auth_method": "client_secret_basic", "client_secret": random(),
		"skip_checks": true}) // unreachable on purpose: the checks would refuse it
	app := s.oidcApp(t)

	// Each bank func plays the bank from Signet's answer to the choice and
	// returns the URL the browser then opens at Signet's callback, or ""
	// when the browser never left Signet.
	type bankFunc func(t *testing.T, b *browser, toBank *page) string
	sandboxSays := func(decision string) bankFunc {
		return func(t *testing.T, b *browser, toBank *page) string {
			return atSandbox(t, b, sandbox, toBank, s.URL, email, password, decision)
		}
	}
	fakeSays := func(f rptest.Failure) bankFunc {
		return func(t *testing.T, b *browser, toBank *page) string {
			mikomo.SetFailure(f)
			defer mikomo.SetFailure(rptest.NoFailure)
			return atFakeBank(t, mikomo, toBank)
		}
	}
	// otherBanksAnswer: the browser was sent to Mikomo Bank, and is
	// handed instead a valid answer Other Bank gave another browser.
	otherBanksAnswer := func(t *testing.T, b *browser, toBank *page) string {
		bankURL(t, toBank, mikomo.Issuer())
		attacker := newBrowser(t)
		return atFakeBank(t, other, chooseBank(t, attacker, app.request().URL, otherID))
	}
	neverLeft := func(t *testing.T, b *browser, toBank *page) string {
		if toBank.status/100 == 3 {
			t.Fatalf("sent to %q, though the bank is unreachable", toBank.location())
		}
		return ""
	}

	for _, tc := range []struct {
		name   string
		bankID string
		bank   bankFunc
		status int    // of the sign-in page shown again
		code   string // the API run's error_code
		want   string // what the person reads
	}{
		{"denied at the sandbox bank", sandboxID, sandboxSays("deny"), http.StatusForbidden, "access_denied",
			"You cancelled the verification at Sandbox Bank."},
		{"denied at a fake bank", mikomoID, fakeSays(rptest.ErrorJARM), http.StatusForbidden, "access_denied",
			"You cancelled the verification at Mikomo Bank."},
		{"bank error", mikomoID, fakeSays(rptest.ServerErrorJARM), http.StatusBadGateway, "bank_error",
			"Mikomo Bank could not verify you just now. This is temporary"},
		{"bank unreachable", goneID, neverLeft, http.StatusBadGateway, "bank_unavailable",
			"Gone Bank could not be reached."},
		{"answer from a bank not chosen", mikomoID, otherBanksAnswer, http.StatusBadGateway, "invalid_bank_response",
			"The answer from Mikomo Bank could not be verified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("sign-in page", func(t *testing.T) {
				b := newBrowser(t)
				p := chooseBank(t, b, app.request().URL, tc.bankID)
				cb := tc.bank(t, b, p)
				if cb != "" {
					p = b.get(cb)
				}
				if p.status != tc.status || !strings.Contains(p.alert(), tc.want) ||
					!p.hasForm("/oauth2/authorize/bank") || !strings.Contains(p.body, `name="password"`) {
					t.Errorf("got %d with message %q; want %d, the sign-in page again saying %q:\n%s", p.status, p.alert(), tc.status, tc.want, p.body)
				}
				if cb != "" {
					// The run is over: the same answer again finds none.
					if again := b.get(cb); again.status != http.StatusBadRequest || !strings.Contains(again.body, "Verification expired") {
						t.Errorf("callback replayed: %d\n%s", again.status, again.body)
					}
				}
				if n := s.userCount(t); n != 0 {
					t.Errorf("users = %d, want none", n)
				}
			})
			t.Run("API", func(t *testing.T) {
				id, begin := s.startVerification(t, map[string]any{"redirect_url": apiRedirect, "bank_id": tc.bankID})
				b := newBrowser(t)
				p := b.get(begin)
				if cb := tc.bank(t, b, p); cb != "" {
					p = b.get(cb)
				}
				to := p.continueTo()
				u, _ := url.Parse(to)
				q := u.Query()
				if !strings.HasPrefix(to, apiRedirect+"?") || q.Get("bank_verification_id") != id || q.Get("error") != tc.code ||
					!strings.Contains(q.Get("error_description"), tc.want) || q.Get("token") != "" {
					t.Errorf("returned to %q; want %s with error=%s and error_description %q", to, apiRedirect, tc.code, tc.want)
				}
				if body := html.UnescapeString(p.body); p.status != http.StatusOK || !strings.Contains(body, "Verification failed") || !strings.Contains(body, tc.want) {
					t.Errorf("page %d does not tell the person %q:\n%s", p.status, tc.want, p.body)
				}
				st := s.verificationStatus(t, id)
				if st.Status != "failed" || st.ErrorCode != tc.code || !strings.Contains(st.ErrorMessage, tc.want) || st.UserID != "" {
					t.Errorf("status = %+v, want failed with %s", st, tc.code)
				}
				if n := s.userCount(t); n != 0 {
					t.Errorf("users = %d, want none", n)
				}
			})
		})
	}
}

// The README's bank onboarding: `signet banks add --from
// sandbox-bank-rp.json --setup CLIENT` takes the issuer, the client and
// its keys from the bank's RP file, and the journey works on the first
// try, for the setups whose responses are encrypted to the client's keys
// (basic, private_key_jwt) as for the one without keys (plain).
func TestBanksAddFromRPFile(t *testing.T) {
	for _, setup := range []string{"basic", "private_key_jwt", "plain"} {
		t.Run(setup, func(t *testing.T) {
			s := startServer(t)
			bank := startSandboxBank(t, "--rp-redirect", s.URL+callbackPath)
			// The README's command, with this server's URL for the
			// default http://127.0.0.1:8080: the bank is tried first.
			out := string(s.run(t, "banks", "add", "--db", s.DB, "--project", s.ProjectID, "--signet-url", s.URL,
				"--from", bank.Dir+"/sandbox-bank-rp.json", "--setup", setup, "--name", "Sandbox Bank"))
			f := strings.Fields(out) // "bank <id> added: ..."
			if len(f) < 2 || f[0] != "bank" || !strings.HasPrefix(f[1], "bank-") {
				t.Fatalf("banks add said %q", out)
			}
			bankID := f[1]
			app := s.oidcApp(t)
			email, password := sandboxUser(t, bank, "mikomo_10@sandbox.bank")
			b := newBrowser(t)
			req := app.request()
			cb := atSandbox(t, b, bank, chooseBank(t, b, req.URL, bankID), s.URL, email, password, "allow")
			idt, _ := app.signIn(t, req, toApp(t, b, b.get(cb), appRedirect))
			checkBankUser(t, s, idt.Subject, bankID, bank.Issuer, email)
		})
	}
}

// banks add tries a bank before saving it: a bank that does not accept
// Signet's redirect URI, or refuses the client's credentials, is refused
// with the fix named, and nothing is saved; --skip-checks saves it.
func TestBanksAddChecks(t *testing.T) {
	s := startServer(t)
	bank := startSandboxBank(t, "--rp-redirect", s.URL+callbackPath)
	rpFile := bank.Dir + "/sandbox-bank-rp.json"
	add := func(args ...string) (string, error) {
		cmd := exec.Command(signetBin, append([]string{"banks", "add", "--db", s.DB, "--project", s.ProjectID,
			"--from", rpFile, "--name", "Sandbox Bank"}, args...)...)
		cmd.Env = s.env()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, tt := range []struct {
		name string
		args []string
		says string
	}{
		{"redirect URI not registered", []string{"--setup", "plain", "--signet-url", "http://127.0.0.1:1"},
			"does not accept Signet's redirect URI http://127.0.0.1:1" + callbackPath},
		{"wrong secret", []string{"--setup", "plain", "--signet-url", s.URL, "--client-secret", "not-the-secret"},
			"refused client"},
		{"bank not running", []string{"--setup", "plain", "--signet-url", s.URL, "--issuer", "http://127.0.0.1:1"},
			"Could not read the bank's discovery document"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := add(tt.args...)
			if err == nil || !strings.Contains(out, tt.says) || !strings.Contains(out, "--skip-checks") {
				t.Fatalf("banks add = %v\n%s\nwant a refusal saying %q", err, out, tt.says)
			}
			if n := s.bankCount(t); n != 0 {
				t.Errorf("banks = %d after a refused add", n)
			}
		})
	}
	if out, err := add("--setup", "plain", "--signet-url", "http://127.0.0.1:1", "--skip-checks"); err != nil {
		t.Fatalf("--skip-checks: %v\n%s", err, out)
	}
	if n := s.bankCount(t); n != 1 {
		t.Errorf("banks = %d after --skip-checks", n)
	}
}

// bankCount is how many banks s's project has (GET /v1/banks).
func (s *Server) bankCount(t *testing.T) int {
	t.Helper()
	var out struct {
		Banks []any `json:"banks"`
	}
	if code := s.call(t, "GET", "/v1/banks", nil, &out); code != 200 {
		t.Fatalf("GET /v1/banks = %d", code)
	}
	return len(out.Banks)
}
