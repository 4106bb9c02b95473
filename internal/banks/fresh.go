package banks

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/rp"
)

// freshness is what a verification asks of the person's sign-in at the
// bank: a new one (prompt=login) when the application's authorization
// request asked Signet for one or when the person signed out of Signet in
// this browser since the last verification (web.SignedOutCookie), and the
// smallest max_age of that request and the bank's own setting
// (store.Bank.MaxAge). Without it, a bank session that outlived the
// sign-out would verify the next person on a shared browser as the
// previous one.
type freshness struct {
	login  bool
	maxAge int // seconds; -1 for none
}

func freshnessOf(v store.BankVerification, b store.Bank, signedOut bool) freshness {
	f := freshness{maxAge: -1, login: signedOut}
	if v.Kind == store.VerificationKindLogin {
		// The hosted sign-in page's carried request: what the application
		// asked Signet, which Signet passes on to the bank.
		q, _ := url.ParseQuery(v.AuthorizationRequest)
		f.login = f.login || slices.Contains(strings.Fields(q.Get("prompt")), "login")
		if n, err := strconv.Atoi(q.Get("max_age")); err == nil && n >= 0 {
			f.maxAge = n
		}
	}
	if b.MaxAge != nil && (f.maxAge < 0 || *b.MaxAge < f.maxAge) {
		f.maxAge = *b.MaxAge
	}
	return f
}

// options are the authorization parameters that ask for it.
func (f freshness) options() []rp.AuthOption {
	var opts []rp.AuthOption
	if f.login {
		opts = append(opts, rp.WithParam("prompt", "login"))
	}
	if f.maxAge >= 0 {
		opts = append(opts, rp.WithParam("max_age", strconv.Itoa(f.maxAge)))
	}
	return opts
}

// authTimeSkew is the clock difference tolerated between Signet and a
// bank when comparing auth_time.
const authTimeSkew = 30 * time.Second

// errStaleSignIn: the bank's ID token says the person signed in earlier
// than the verification asked.
var errStaleSignIn = errors.New("banks: the bank's sign-in is older than asked")

// check verifies the bank honoured it, from the ID token's auth_time: it
// is REQUIRED when max_age was sent (OIDC Core §2, §3.1.2.1), and after a
// prompt=login it must not precede the run (started: when the run was
// created, before the request was pushed).
func (f freshness) check(claims map[string]any, started, now time.Time) error {
	if !f.login && f.maxAge < 0 {
		return nil
	}
	n, ok := claims["auth_time"].(float64)
	if !ok {
		return fmt.Errorf("%w: the ID token has no auth_time", errStaleSignIn)
	}
	at := time.Unix(int64(n), 0)
	if f.login && at.Before(started.Add(-authTimeSkew)) {
		return fmt.Errorf("%w: prompt=login, but auth_time %s precedes the request", errStaleSignIn, at.UTC().Format(time.RFC3339))
	}
	if f.maxAge >= 0 && now.Sub(at) > time.Duration(f.maxAge)*time.Second+authTimeSkew {
		return fmt.Errorf("%w: max_age=%d, but auth_time is %s", errStaleSignIn, f.maxAge, at.UTC().Format(time.RFC3339))
	}
	return nil
}
