package authorize_test

import (
	"fmt"
	"html"
	"net/netip"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/server"
	"github.com/signet-id/signet/internal/users"
)

// behindProxy trusts the test client's loopback address as a proxy, so a
// browser's X-Forwarded-For is its address, and sets the sign-in
// throttle.
func behindProxy(th users.Throttle) func(*server.Config) {
	return func(c *server.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		c.SignInThrottle = th
	}
}

// alignClock moves the clock to the next full hour, where every window
// of the policies here starts.
func (e *env) alignClock() {
	now := e.clock.Now()
	e.clock.Advance(now.Truncate(time.Hour).Add(time.Hour).Sub(now))
}

var loginErrorRE = regexp.MustCompile(`<p class="alert" role="alert" id="login-error">([^<]*)</p>`)

// outcome is what a person sees after the sign-in form: the status, and
// the sign-in page's message, or "consent" for the consent page.
func outcome(p *page) string {
	if p.isConsent() {
		return fmt.Sprintf("%d consent", p.code)
	}
	m := loginErrorRE.FindStringSubmatch(p.body)
	if !p.isLogin() || m == nil {
		return fmt.Sprintf("%d other page", p.code)
	}
	return fmt.Sprintf("%d %s", p.code, html.UnescapeString(m[1]))
}

const (
	pageWrong     = "401 The email address or password is incorrect."
	pageThrottled = "429 Too many sign-in attempts. Wait a few minutes, then try again."
	pageConsent   = "200 consent"
)

// TestSignInPageSameForUnknownAccounts: the sign-in page shows an unknown
// email exactly what it shows a real account, through delays and the
// account lock. (Before, a real account's page said it was locked after
// 10 failures, and an unknown email's said "incorrect" forever.)
func TestSignInPageSameForUnknownAccounts(t *testing.T) {
	th := users.DefaultThrottle
	th.FreeFailures, th.Delay, th.MaxDelay, th.AccountLimit = 3, time.Second, 4*time.Second, 6
	e := newEnv(t, behindProxy(th))
	id, _ := e.client("third_party", cb)
	e.user("ada@example.com")
	e.alignClock()
	req := params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid")

	type visitor struct {
		b     *browser
		email string
		p     *page
		seen  []string
	}
	real, unknown := &visitor{b: e.browser(), email: "ada@example.com"}, &visitor{b: e.browser(), email: "nobody@example.com"}
	real.b.forwardedFor, unknown.b.forwardedFor = "198.51.100.1", "198.51.100.2"
	for _, v := range []*visitor{real, unknown} {
		v.p = v.b.authorize(req)
	}
	for range 20 {
		for _, v := range []*visitor{real, unknown} {
			v.p = v.b.login(v.p, v.email, "wrong-password")
			v.seen = append(v.seen, outcome(v.p))
		}
		e.clock.Advance(1500 * time.Millisecond)
	}
	if !slices.Equal(real.seen, unknown.seen) {
		t.Fatalf("the page differs for a real account and an unknown one:\nreal    %q\nunknown %q", real.seen, unknown.seen)
	}
	if !slices.Contains(real.seen, pageWrong) || !slices.Contains(real.seen, pageThrottled) {
		t.Fatalf("want both failures and throttling: %q", real.seen)
	}
	for _, s := range real.seen {
		if s != pageWrong && s != pageThrottled {
			t.Fatalf("unexpected page %q", s)
		}
	}
	// Locked: the right password from a new address gets the same page.
	ada := e.browser()
	ada.forwardedFor = "198.51.100.3"
	if got := outcome(ada.login(ada.authorize(req), "ada@example.com", password)); got != pageThrottled {
		t.Errorf("locked account, right password = %q, want %q", got, pageThrottled)
	}
}

// TestSignInPageOwnerNotLockedOut: an attacker guessing at the owner's
// account from their own address, then from many, does not keep the owner
// from signing in at home.
func TestSignInPageOwnerNotLockedOut(t *testing.T) {
	th := users.DefaultThrottle
	th.AccountLimit = 20
	e := newEnv(t, behindProxy(th))
	id, _ := e.client("third_party", cb)
	e.user("ada@example.com")
	e.alignClock()
	req := params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid")
	signIn := func(from, pw string) string {
		b := e.browser()
		b.forwardedFor = from
		return outcome(b.login(b.authorize(req), "ada@example.com", pw))
	}
	if got := signIn("198.51.100.7", password); got != pageConsent {
		t.Fatalf("owner at home = %q", got)
	}

	attacker := e.browser()
	attacker.forwardedFor = "203.0.113.66"
	p := attacker.authorize(req)
	guesses := 0
	for range 60 {
		p = attacker.login(p, "ada@example.com", "guess")
		switch outcome(p) {
		case pageWrong:
			guesses++
		case pageThrottled:
		default:
			t.Fatalf("attacker saw %q", outcome(p))
		}
		e.clock.Advance(time.Second)
	}
	if guesses != 11 {
		t.Errorf("the attacker had %d guesses in a minute, want 11", guesses)
	}
	if got := signIn("198.51.100.7", password); got != pageConsent {
		t.Errorf("owner at home after the attack = %q, want the consent page", got)
	}
	if got := signIn("192.0.2.10", password); got != pageConsent {
		t.Errorf("owner elsewhere after the attack = %q, want the consent page", got)
	}

	// Guessers at many addresses lock the account: not at home.
	for i := range 20 {
		if got := signIn(fmt.Sprintf("203.0.113.%d", i), "guess"); got != pageWrong && got != pageThrottled {
			t.Fatalf("guesser %d saw %q", i, got)
		}
	}
	if got := signIn("192.0.2.11", password); got != pageThrottled {
		t.Errorf("owner at a new address while locked = %q, want %q", got, pageThrottled)
	}
	if got := signIn("198.51.100.7", password); got != pageConsent {
		t.Errorf("owner at home while locked = %q, want the consent page", got)
	}
}
