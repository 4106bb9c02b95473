package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/testdb"
	"github.com/signet-id/signet/rp/rptest"
)

// allowAll is a banks.Limiter that refuses nothing, to reach the store's
// bounds (and for benchmarks, whose every request comes from 127.0.0.1).
type allowAll struct{}

func (allowAll) Allow(context.Context, string) bool { return true }

// unlimited lifts every bound on anonymous writes.
var unlimited = banks.Limits{Limiter: allowAll{}, RunsPerSource: -1, ChoicesPerSource: -1}

// flood makes n choices in the account selector and n starts of "Verify
// with your bank" from one address, and reports how many of each were
// refused with 429, checking each refusal is its page's. Half the choices
// come from one browser with a fresh visitor_id each time, half from
// fresh browsers (a new visitor cookie each).
func (e *bankEnv) flood(t *testing.T, bankID string, n int) (choicesRefused, startsRefused int) {
	t.Helper()
	q := url.Values{"client_id": {e.clientID}, "visitor_id": {"v"}, "scope": {"openid"}}
	regular := newBrowser(t)
	_, regularForm := regular.get(e.URL+"/select-bank?"+q.Encode()).form(t, "/select-bank")
	for i := range n {
		b, fields := regular, regularForm
		if i%2 == 1 {
			b = newBrowser(t)
			_, fields = b.get(e.URL+"/select-bank?"+q.Encode()).form(t, "/select-bank")
		}
		fields.Set("visitor_id", fmt.Sprintf("flood-%d", i))
		fields.Set("bank_id", bankID)
		switch p := b.send("POST", e.URL+"/select-bank", fields); p.status {
		case http.StatusSeeOther:
		case http.StatusTooManyRequests:
			choicesRefused++
			if !strings.Contains(p.body, "Too many requests") {
				t.Fatalf("429 selector page:\n%s", p.body)
			}
		default:
			t.Fatalf("choice %d: %d\n%s", i, p.status, p.body)
		}
	}

	authz := url.Values{"client_id": {e.clientID}, "redirect_uri": {e.redirect}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"s"}, "nonce": {"n"}}
	b := newBrowser(t)
	action, fields := b.get(e.URL+"/oauth2/authorize?"+authz.Encode()).form(t, "/oauth2/authorize/bank")
	for i := range n {
		switch p := b.send("POST", e.abs(action), fields); p.status {
		case http.StatusSeeOther:
		case http.StatusTooManyRequests:
			startsRefused++
			// The sign-in page again, saying why.
			if !strings.Contains(p.body, "Too many bank verifications") || !strings.Contains(p.body, `name="password"`) {
				t.Fatalf("429 sign-in page:\n%s", p.body)
			}
		default:
			t.Fatalf("start %d: %d\n%s", i, p.status, p.body)
		}
	}
	return choicesRefused, startsRefused
}

// TestAnonymousWritesBounded floods, from one address, the pages that
// make Signet write for a visitor without credentials: the account
// selector's choice and "Verify with your bank" on the sign-in page. The
// tables stay within the documented bounds (banks.Limits) and the surplus
// gets 429 in each page's format.
func TestAnonymousWritesBounded(t *testing.T) {
	const n = 2000
	t.Run("defaults", func(t *testing.T) {
		e := newBankEnv(t)
		_, bankID := e.addBank("Mikomo Bank", rptest.Options{})
		choicesRefused, startsRefused := e.flood(t, bankID, n)
		if c := testdb.Rows(t, e.dsn, "bank_choices"); c > banks.DefaultChoicesPerSource {
			t.Errorf("bank_choices = %d rows after %d choices from one address, want at most %d", c, n, banks.DefaultChoicesPerSource)
		}
		if r := testdb.Rows(t, e.dsn, "bank_verifications"); r > banks.DefaultRunsPerSource {
			t.Errorf("bank_verifications = %d rows after %d starts from one address, want at most %d", r, n, banks.DefaultRunsPerSource)
		}
		// The token bucket refuses most of them before any write.
		if choicesRefused < n/2 || startsRefused < n/2 {
			t.Errorf("refused %d choices and %d starts of %d each", choicesRefused, startsRefused, n)
		}
	})
	// With no rate limit (another node's requests, or a shared limiter
	// that lets them through), the store's bounds hold on their own.
	t.Run("store bounds", func(t *testing.T) {
		const runs, choices, n = 10, 20, 200
		e := newBankEnv(t, func(c *Config) {
			c.BankLimits = banks.Limits{Limiter: allowAll{}, RunsPerSource: runs, ChoicesPerSource: choices}
		})
		_, bankID := e.addBank("Mikomo Bank", rptest.Options{})
		choicesRefused, startsRefused := e.flood(t, bankID, n)
		if c := testdb.Rows(t, e.dsn, "bank_choices"); c != choices {
			t.Errorf("bank_choices = %d rows after %d choices, want the bound, %d", c, n, choices)
		}
		if r := testdb.Rows(t, e.dsn, "bank_verifications"); r != runs {
			t.Errorf("bank_verifications = %d rows after %d starts, want the bound, %d", r, n, runs)
		}
		// A choice over the bound replaces an older one; a start over it
		// is refused.
		if choicesRefused != 0 || startsRefused != n-runs {
			t.Errorf("refused %d choices and %d starts; want 0 and %d", choicesRefused, startsRefused, n-runs)
		}
	})
}

// The selector remembers a bank for a browser: the cookie it sets on the
// first visit brings the choice back on the next, whatever visitor_id the
// application sends. Naming a visitor_id, or a cookie Signet did not set,
// remembers and reveals nothing.
func TestSelectorRemembersBrowser(t *testing.T) {
	e := newBankEnv(t)
	_, alpha := e.addBank("Alpha Bank", rptest.Options{})
	e.addBank("Beta Bank", rptest.Options{})
	selector := func(visitor string) string {
		return e.URL + "/select-bank?" + url.Values{"client_id": {e.clientID}, "visitor_id": {visitor}, "scope": {"openid"}}.Encode()
	}
	choose := func(b *browser, visitor string) {
		t.Helper()
		_, fields := b.get(selector(visitor)).form(t, "/select-bank")
		fields.Set("bank_id", alpha)
		if p := b.send("POST", e.URL+"/select-bank", fields); p.status != http.StatusSeeOther {
			t.Fatalf("choice: %d\n%s", p.status, p.body)
		}
	}
	const remembered = "Used last time"

	b := newBrowser(t)
	choose(b, "visitor-1")
	if p := b.get(selector("visitor-2")); !strings.Contains(p.body, remembered) {
		t.Errorf("the browser's choice is not pre-selected:\n%s", p.body)
	}
	if rows := testdb.Rows(t, e.dsn, "bank_choices"); rows != 1 {
		t.Errorf("bank_choices = %d rows, want 1", rows)
	}
	if p := newBrowser(t).get(selector("visitor-1")); strings.Contains(p.body, remembered) {
		t.Error("another browser naming the visitor_id sees the choice")
	}

	// Cookies Signet did not set: the old unsigned form, and a forged MAC.
	for _, forged := range []string{secrets.New(""), secrets.New("") + "." + secrets.New("")} {
		f := newBrowser(t)
		u, _ := url.Parse(e.URL)
		f.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "signet_visitor", Value: forged, Path: "/"}})
		_, fields := f.get(selector("visitor-3")).form(t, "/select-bank")
		f.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "signet_visitor", Value: forged, Path: "/"}})
		fields.Set("bank_id", alpha)
		if p := f.send("POST", e.URL+"/select-bank", fields); p.status != http.StatusSeeOther {
			t.Fatalf("choice: %d\n%s", p.status, p.body)
		}
		if rows := testdb.Rows(t, e.dsn, "bank_choices"); rows != 1 {
			t.Errorf("cookie %q: bank_choices = %d rows, want 1 (nothing remembered)", forged, rows)
		}
	}
}
