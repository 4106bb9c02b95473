package account_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// checkHeaders: the account pages carry the hosted pages' headers.
func checkHeaders(t *testing.T, what string, p *page) {
	t.Helper()
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
		"X-Content-Type-Options": "nosniff"} {
		if got := p.header.Get(h); got != want {
			t.Errorf("%s: %s = %q, want %q", what, h, got, want)
		}
	}
	csp := p.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %s", what, csp, want)
		}
	}
	if strings.Contains(csp, "form-action 'self' ") {
		t.Errorf("%s: CSP %q lets forms post elsewhere", what, csp)
	}
}

// TestSignInFirst: without a session the account page sends the person to
// the sign-in form and, once signed in, back to it; the pages carry the
// hosted pages' headers; a session from the hosted sign-in counts too.
func TestSignInFirst(t *testing.T) {
	e := newEnv(t)
	e.user("ada@example.com")
	tests := []struct {
		name, path string
		status     int
		location   string
	}{
		{"not signed in", e.accountURL(), http.StatusFound,
			"/account/sign-in?" + url.Values{"project_id": {e.projectID}, "return_to": {e.accountURL()}}.Encode()},
		{"no project", "/account", http.StatusNotFound, ""},
		{"unknown project", "/account?project_id=project-test-00000000-0000-4000-8000-000000000000", http.StatusNotFound, ""},
		{"not text", "/account?project_id=%ff", http.StatusBadRequest, ""},
		{"sign-in form, no project", "/account/sign-in", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.browser().get(tt.path)
			if p.code != tt.status || p.header.Get("Location") != tt.location {
				t.Fatalf("GET %s = %d Location %q, want %d %q\n%s", tt.path, p.code, p.header.Get("Location"), tt.status, tt.location, p.body)
			}
			if tt.location == "" {
				checkHeaders(t, tt.name, p)
				if id := p.header.Get("X-Request-Id"); !strings.Contains(p.body, id) {
					t.Errorf("the error page does not show its support code")
				}
			}
		})
	}

	b := e.browser()
	form := b.follow(b.get(e.accountURL()))
	checkHeaders(t, "sign-in form", form)
	if form.code != 200 || form.hidden("return_to") != e.accountURL() {
		t.Fatalf("sign-in form = %d, return_to %q", form.code, form.hidden("return_to"))
	}
	bad := b.submitSignIn(form, "ada@example.com", "wrong")
	if bad.code != http.StatusUnauthorized || !strings.Contains(bad.body, "The email address or password is incorrect.") {
		t.Errorf("wrong password = %d\n%s", bad.code, bad.body)
	}
	p := b.submitSignIn(form, "ada@example.com", password)
	if p.code != http.StatusSeeOther || p.header.Get("Location") != e.accountURL() {
		t.Fatalf("sign-in = %d Location %q", p.code, p.header.Get("Location"))
	}
	p = b.follow(p)
	if p.code != 200 || !p.isAccount() || !strings.Contains(p.body, "Signed in as <strong>ada@example.com</strong>") {
		t.Fatalf("account page = %d\n%s", p.code, p.body)
	}
	checkHeaders(t, "account page", p)
	// Signed in, the sign-in form goes straight on.
	if p := b.get("/account/sign-in?project_id=" + e.projectID); p.code != http.StatusFound || p.header.Get("Location") != e.accountURL() {
		t.Errorf("sign-in form when signed in = %d %q", p.code, p.header.Get("Location"))
	}

	// A session from the hosted sign-in of an application is the same
	// session: no second sign-in.
	id, secret := e.app("Acme Notes")
	h := e.browser()
	h.grant(id, secret, "ada@example.com")
	if p := h.get(e.accountURL()); p.code != 200 || !p.isAccount() {
		t.Errorf("account page after the hosted sign-in = %d", p.code)
	}
}

// TestReturnTo: the sign-in form goes back only to a path under /account
// here; anything else goes to the account page.
func TestReturnTo(t *testing.T) {
	e := newEnv(t)
	e.user("ada@example.com")
	home := e.accountURL()
	tests := []struct{ returnTo, want string }{
		{home, home},
		{home + "&done=app_removed", home + "&done=app_removed"},
		{"", home},
		{"//evil.example/account", home},
		{"https://evil.example/account", home},
		{"/\\evil.example", home},
		{"/account/../oauth2/authorize", home},
		{"/account/%2e%2e/x", home},
		{"/accountant", home},
		{"/account/sign-in?project_id=x", home},
		{"/\t/evil.example", home},
		{"account", home},
		{"javascript:alert(1)", home},
	}
	for _, tt := range tests {
		t.Run(tt.returnTo, func(t *testing.T) {
			b := e.browser()
			form := b.get("/account/sign-in?" + url.Values{"project_id": {e.projectID}, "return_to": {tt.returnTo}}.Encode())
			if got := form.hidden("return_to"); got != tt.want {
				t.Errorf("the form carries return_to %q, want %q", got, tt.want)
			}
			// A forged form is checked again when it comes back.
			p := b.post("/account/sign-in", url.Values{"csrf_token": {form.hidden("csrf_token")}, "project_id": {e.projectID},
				"return_to": {tt.returnTo}, "email": {"ada@example.com"}, "password": {password}})
			if p.code != http.StatusSeeOther || p.header.Get("Location") != tt.want {
				t.Errorf("sign-in = %d Location %q, want %q", p.code, p.header.Get("Location"), tt.want)
			}
		})
	}
}

// TestCSRF: every form of the account pages without its anti-CSRF token,
// or with a forged one, is refused with a 403 page and changes nothing.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	e.user("ada@example.com")
	id, secret := e.app("Acme Notes")
	b := e.browser()
	b.signIn("ada@example.com", password)
	access, _ := b.grant(id, secret, "ada@example.com")
	other := e.browser()
	otherToken := other.signIn("ada@example.com", password).hidden("csrf_token")
	acct := b.get(e.accountURL())
	sessions := acct.hiddenAll("session_id")
	if len(sessions) < 2 {
		t.Fatalf("want at least two sessions on the page, got %v", sessions)
	}

	forms := []struct {
		path  string
		extra url.Values
	}{
		{"/account/apps/revoke", url.Values{"client_id": {id}}},
		{"/account/sessions/sign-out", url.Values{"session_id": {sessions[len(sessions)-1]}}},
		{"/account/sessions/sign-out-others", nil},
		{"/account/password", url.Values{"current_password": {password}, "new_password": {"Quiet-Harbour-Lantern-42"}}},
		{"/account/sign-in", url.Values{"email": {"ada@example.com"}, "password": {password}}},
	}
	for _, f := range forms {
		for name, tok := range map[string]string{"missing": "", "forged": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			"another browser's token": otherToken} {
			t.Run(f.path+" "+name, func(t *testing.T) {
				form := url.Values{"project_id": {e.projectID}}
				for k, v := range f.extra {
					form[k] = v
				}
				if tok != "" {
					form.Set("csrf_token", tok)
				}
				p := b.post(f.path, form)
				if p.code != http.StatusForbidden || !strings.Contains(p.body, "This page has expired") {
					t.Errorf("POST %s = %d, want 403\n%s", f.path, p.code, p.body)
				}
				checkHeaders(t, f.path, p)
			})
		}
	}
	// Nothing changed: the token is active, both sessions live, the old
	// password works.
	if !e.active(id, secret, access) {
		t.Error("the app's access token died without a valid form")
	}
	if p := other.get(e.accountURL()); p.code != 200 {
		t.Errorf("the other session ended without a valid form: %d", p.code)
	}
	if p := e.browser().signIn("ada@example.com", password); !p.isAccount() {
		t.Error("the password changed without a valid form")
	}
}

// TestRevokeApp: removing an app's access revokes every token issued
// under the consent (introspection says inactive at once) and only that
// person's; the page no longer lists it.
func TestRevokeApp(t *testing.T) {
	e := newEnv(t)
	e.user("ada@example.com")
	e.user("bob@example.com")
	id, secret := e.app("Acme Notes")
	ada, bob := e.browser(), e.browser()
	access, refresh := ada.grant(id, secret, "ada@example.com")
	access2, _ := ada.grant(id, secret, "ada@example.com") // a second grant under the same consent
	bobAccess, _ := bob.grant(id, secret, "bob@example.com")

	p := ada.get(e.accountURL())
	if !p.isAccount() || !strings.Contains(p.body, "<strong>Acme Notes</strong>") ||
		!strings.Contains(p.body, "See your email address") || !strings.Contains(p.body, "Keep this access while you are not using the app") {
		t.Fatalf("the page does not show the app and what it may do:\n%s", p.body)
	}
	for _, jargon := range []string{"offline_access", "openid", "scope", "client_id=", "token"} {
		if strings.Contains(strings.ToLower(stripTags(p.body)), jargon) {
			t.Errorf("the page shows the words %q", jargon)
		}
	}
	for _, tok := range []string{access, refresh, access2} {
		if !e.active(id, secret, tok) {
			t.Fatal("a token is inactive before the revocation")
		}
	}

	r := ada.submit(p, "/account/apps/revoke", "client_id", id)
	if r.code != http.StatusSeeOther {
		t.Fatalf("revoke = %d\n%s", r.code, r.body)
	}
	for name, tok := range map[string]string{"access token": access, "refresh token": refresh, "second grant's access token": access2} {
		if e.active(id, secret, tok) {
			t.Errorf("the %s is still active after the revocation", name)
		}
	}
	if !e.active(id, secret, bobAccess) {
		t.Error("another person's token died with Ada's revocation")
	}
	p = ada.follow(r)
	if strings.Contains(p.body, "<strong>Acme Notes</strong>") || !strings.Contains(p.body, "Access removed.") {
		t.Errorf("after the revocation the page shows:\n%s", p.body)
	}
	if c, err := e.st.UserConsents(t.Context(), e.projectID, p.userID(e)); err != nil || len(c) != 0 {
		t.Errorf("consents after the revocation: %v, %v", c, err)
	}
	// The app must ask again.
	q := url.Values{"client_id": {id}, "redirect_uri": {cb}, "response_type": {"code"}, "scope": {"openid"}}
	if p := ada.get("/oauth2/authorize?" + q.Encode()); !strings.Contains(p.body, `action="/oauth2/authorize/consent"`) {
		t.Errorf("after the revocation the app was not asked to get consent again (%d)", p.code)
	}
	// Revoking again, or an app never allowed, is no error.
	if r := ada.submit(p, "/account/apps/revoke", "client_id", "connected-app-test-nope"); r.code != http.StatusSeeOther {
		t.Errorf("revoking an unknown app = %d", r.code)
	}
}

// userID finds the user the env's only consent-holder Ada is.
func (p *page) userID(e *env) string {
	u, err := e.st.UserByEmail(e.t.Context(), e.projectID, "ada@example.com")
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

// stripTags leaves a page's text (good enough for the checks here).
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, c := range s {
		switch {
		case c == '<':
			in = true
		case c == '>':
			in = false
		case !in:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// TestSessions: the page lists the person's sessions; Sign out ends one
// (another person's ID ends nothing), "Sign out everywhere else" ends all
// but this browser's, and signing out here clears the cookie.
func TestSessions(t *testing.T) {
	e := newEnv(t)
	e.user("ada@example.com")
	e.user("bob@example.com")
	a1, a2, a3, bob := e.browser(), e.browser(), e.browser(), e.browser()
	a1.signIn("ada@example.com", password)
	a2.ua = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
	a2.signIn("ada@example.com", password)
	a3.signIn("ada@example.com", password)
	bobPage := bob.signIn("bob@example.com", password)
	bobSession := bobPage.hiddenAll("session_id")[0]

	p := a1.get(e.accountURL())
	ids := p.hiddenAll("session_id")
	if len(ids) != 4 || !strings.Contains(p.body, "This browser") || !strings.Contains(p.body, "Signed in with your password") {
		t.Fatalf("want 4 sessions (3 sign-ins and the sign-up), this browser marked; got %v\n%s", ids, p.body)
	}
	if !strings.Contains(p.body, "<strong>Chrome on Android</strong>") {
		t.Errorf("the page does not name the device a sign-in came from:\n%s", p.body)
	}

	// Another person's session: nothing happens to it.
	if r := a1.submit(p, "/account/sessions/sign-out", "session_id", bobSession); r.code != http.StatusSeeOther {
		t.Errorf("sign out of another's session = %d", r.code)
	}
	if p := bob.get(e.accountURL()); p.code != 200 {
		t.Errorf("Bob was signed out by Ada: %d", p.code)
	}

	// a2's session, from a1.
	a2Page := a2.get(e.accountURL())
	a2ID := currentSession(t, a2Page)
	if r := a1.submit(p, "/account/sessions/sign-out", "session_id", a2ID); r.code != http.StatusSeeOther ||
		!strings.Contains(a1.follow(r).body, "That browser is signed out.") {
		t.Errorf("sign out = %d", r.code)
	}
	if p := a2.get(e.accountURL()); p.code != http.StatusFound {
		t.Errorf("a2 still signed in after its sign-out: %d", p.code)
	}
	// A form a2 still had open: the sign-in form, with a sentence.
	if r := a2.submit(a2Page, "/account/sessions/sign-out-others"); r.code != http.StatusSeeOther ||
		!strings.Contains(a2.follow(r).body, "Your session has ended.") {
		t.Errorf("a form of an ended session = %d %q", r.code, r.header.Get("Location"))
	}

	// Everywhere else: a3 and the sign-up's session end, a1 and Bob stay.
	p = a1.get(e.accountURL())
	if r := a1.submit(p, "/account/sessions/sign-out-others"); r.code != http.StatusSeeOther {
		t.Fatalf("sign out everywhere else = %d", r.code)
	}
	if p := a3.get(e.accountURL()); p.code != http.StatusFound {
		t.Errorf("a3 still signed in: %d", p.code)
	}
	p = a1.get(e.accountURL())
	if ids := p.hiddenAll("session_id"); len(ids) != 1 || strings.Contains(p.body, "Sign out everywhere else") {
		t.Errorf("after signing out everywhere else: %v", ids)
	}
	if p := bob.get(e.accountURL()); p.code != 200 {
		t.Errorf("Bob was signed out by Ada: %d", p.code)
	}

	// Here: the cookie goes, and the sign-in form says so.
	r := a1.submit(p, "/account/sessions/sign-out", "session_id", currentSession(t, p))
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/account/sign-in?") {
		t.Fatalf("sign out here = %d %q", r.code, r.header.Get("Location"))
	}
	if c := r.header.Get("Set-Cookie"); !strings.Contains(c, "signet_session_") || !strings.Contains(c, "Max-Age=0") {
		t.Errorf("Set-Cookie = %q, want the session cookie removed", c)
	}
	if f := a1.follow(r); !strings.Contains(f.body, "You are signed out.") {
		t.Errorf("the sign-in form does not say so:\n%s", f.body)
	}
	if _, err := e.st.SessionByID(t.Context(), e.projectID, currentSession(t, p), e.clock.Now()); err == nil {
		t.Error("the session is still live in the store")
	}
}

// currentSession is the session ID of the "This browser" entry.
func currentSession(t *testing.T, p *page) string {
	t.Helper()
	i := strings.Index(p.body, "This browser")
	if i < 0 {
		t.Fatalf("no current session on the page:\n%s", p.body)
	}
	rest := p.body[i:]
	j := strings.Index(rest, `name="session_id" value="`)
	if j < 0 {
		t.Fatal("no session_id after This browser")
	}
	rest = rest[j+len(`name="session_id" value="`):]
	return rest[:strings.Index(rest, `"`)]
}

// TestPassword: the current password is checked (and throttled as a
// sign-in), the new one against the policy; a change ends the other
// sessions and the new password signs in.
func TestPassword(t *testing.T) {
	e := newEnv(t)
	e.user("ada@example.com")
	b, other := e.browser(), e.browser()
	p := b.signIn("ada@example.com", password)
	other.signIn("ada@example.com", password)
	const next = "Quiet-Harbour-Lantern-42"

	tests := []struct {
		name, current, next string
		status              int
		says                string
	}{
		{"nothing", "", "", http.StatusBadRequest, "Enter your current password and a new one."},
		{"wrong current password", "nope", next, http.StatusUnauthorized, "Your current password is not right."},
		{"weak new password", password, "password", http.StatusBadRequest, "The new password is too easy to guess."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.submit(p, "/account/password", "current_password", tt.current, "new_password", tt.next)
			if r.code != tt.status || !strings.Contains(r.body, tt.says) || !r.isAccount() {
				t.Errorf("= %d, want %d saying %q\n%s", r.code, tt.status, tt.says, r.body)
			}
			checkHeaders(t, tt.name, r)
		})
	}

	r := b.submit(p, "/account/password", "current_password", password, "new_password", next)
	if r.code != http.StatusSeeOther || !strings.Contains(b.follow(r).body, "Your password is changed") {
		t.Fatalf("change = %d\n%s", r.code, r.body)
	}
	if p := other.get(e.accountURL()); p.code != http.StatusFound {
		t.Errorf("the other session survived the change: %d", p.code)
	}
	if p := b.get(e.accountURL()); p.code != 200 {
		t.Errorf("this browser was signed out by its own change: %d", p.code)
	}
	form := e.browser().get("/account/sign-in?project_id=" + e.projectID)
	if r := e.browser().submitSignIn(form, "ada@example.com", password); r.code == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	if p := e.browser().signIn("ada@example.com", next); !p.isAccount() {
		t.Error("the new password does not sign in")
	}

	// Guessing the current password from a stolen session is throttled as
	// sign-ins are: after the free failures, even the right one is refused.
	p = b.get(e.accountURL())
	var throttled bool
	for i := 0; i < 10 && !throttled; i++ {
		r := b.submit(p, "/account/password", "current_password", "guess", "new_password", password)
		throttled = r.code == http.StatusTooManyRequests && strings.Contains(r.body, "Too many attempts.")
	}
	if !throttled {
		t.Fatal("ten wrong current passwords were never throttled")
	}
	if r := b.submit(p, "/account/password", "current_password", next, "new_password", password); r.code != http.StatusTooManyRequests {
		t.Errorf("the right current password while throttled = %d, want 429", r.code)
	}
}

// TestBanks: the banks that confirmed the person, when, and what they
// confirmed, in words.
func TestBanks(t *testing.T) {
	e := newEnv(t)
	id := e.user("ada@example.com")
	first := store.Time(e.clock.Now().Add(-48 * time.Hour))
	last := store.Time(e.clock.Now().Add(-time.Hour))
	_, err := e.st.UpdateUser(t.Context(), e.projectID, id, func(u *store.User) error {
		u.Verifications = append(u.Verifications, store.Verification{
			ID: "verification-test-1", BankID: "bank-test-1", Issuer: "https://bank.example", BankName: "Sandbox Bank <b>",
			Subject: "cust-1", Claims: []byte(`{"sub":"cust-1","given_name":"Ada","birthdate":"1990-01-01","email":"ada@example.com","email_verified":true,"x_loyalty":"gold"}`),
			VerifiedAt: last, CreatedAt: first,
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p := e.browser().signIn("ada@example.com", password)
	for _, want := range []string{"Sandbox Bank &lt;b&gt;", "Your name", "Your date of birth", "Your email address", "Other details",
		"Last confirmed on " + last.UTC().Format("2 January 2006 at 15:04") + " UTC", "first on " + first.UTC().Format("2 January 2006")} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(p.body, "1990-01-01") || strings.Contains(p.body, "cust-1") {
		t.Error("the page shows what the bank said, not only what it confirmed")
	}
}
