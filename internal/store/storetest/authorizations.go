package storetest

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// wantFound checks that err is nil if found, else store.ErrNotFound.
func wantFound(t *testing.T, what string, err error, found bool) {
	t.Helper()
	if found && err != nil || !found && !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: %v, want found = %v", what, err, found)
	}
}

func (a authz) consent(at time.Time, scopes ...string) store.Consent {
	return store.Consent{ProjectID: a.p.ID, UserID: a.u.ID, ClientID: a.app.ClientID,
		Scopes: scopes, GrantedAt: at, UpdatedAt: at}
}

// redeemNever is an issue callback for redemptions that must not reach it.
func redeemNever(t *testing.T) func(store.AuthCode) (store.Grant, error) {
	return func(store.AuthCode) (store.Grant, error) {
		t.Error("issue called")
		return store.Grant{}, errAbort
	}
}

var consentTests = []test{
	{"SaveAndGet", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		c := a.consent(now(), "openid", "email")
		must(t, s.SaveConsent(ctx(t), c))
		got, err := s.Consent(ctx(t), a.p.ID, a.u.ID, a.app.ClientID)
		must(t, err)
		equal(t, got, c)
	}},
	{"SaveWidens", func(t *testing.T, s store.Store) {
		t0 := now()
		for _, tc := range []struct {
			name        string
			first, then []string
			want        []string
			widened     bool
		}{
			{"new scopes appended", []string{"openid", "email"}, []string{"profile", "openid", "phone"}, []string{"openid", "email", "profile", "phone"}, true},
			{"subset changes nothing", []string{"openid", "email"}, []string{"email"}, []string{"openid", "email"}, false},
			{"repeats collapse", []string{"openid", "openid"}, []string{"email", "email"}, []string{"openid", "email"}, true},
			{"from none", nil, []string{"openid"}, []string{"openid"}, true},
			{"to none", []string{"openid"}, nil, []string{"openid"}, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := newAuthz(t, s)
				must(t, s.SaveConsent(ctx(t), a.consent(t0, tc.first...)))
				later := a.consent(t0.Add(time.Hour), tc.then...)
				must(t, s.SaveConsent(ctx(t), later))
				got, err := s.Consent(ctx(t), a.p.ID, a.u.ID, a.app.ClientID)
				must(t, err)
				want := a.consent(t0, tc.want...) // granted when first saved
				if tc.widened {
					want.UpdatedAt = later.UpdatedAt
				}
				equal(t, got, want)
			})
		}
	}},
	{"SaveNeedsUserAndClientOfProject", func(t *testing.T, s store.Store) {
		a, b := newAuthz(t, s), newAuthz(t, s)
		for _, tc := range []struct {
			name   string
			modify func(c *store.Consent)
		}{
			{"missing user", func(c *store.Consent) { c.UserID = "user-test-missing" }},
			{"missing client", func(c *store.Consent) { c.ClientID = "connected-app-test-missing" }},
			{"client of another project", func(c *store.Consent) { c.ClientID = b.app.ClientID }},
			{"user of another project", func(c *store.Consent) { c.UserID = b.u.ID }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := a.consent(now(), "openid")
				tc.modify(&c)
				wantErr(t, s.SaveConsent(ctx(t), c), store.ErrNotFound)
				wantErr(t, s.CreateAuthCode(ctx(t), store.AuthCode{Hash: []byte(newID("code")), ProjectID: c.ProjectID,
					ClientID: c.ClientID, UserID: c.UserID, CreatedAt: now(), ExpiresAt: now().Add(time.Minute)}, &c), store.ErrNotFound)
			})
		}
	}},
	{"ConcurrentSavesAllCount", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		scopes := []string{"openid", "email", "phone", "profile", "address", "offline_access", "read", "write"}
		var wg sync.WaitGroup
		for _, sc := range scopes {
			wg.Go(func() {
				if err := s.SaveConsent(ctx(t), a.consent(now(), sc)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, err := s.Consent(ctx(t), a.p.ID, a.u.ID, a.app.ClientID)
		must(t, err)
		if len(got.Scopes) != len(scopes) {
			t.Fatalf("scopes %v, want all of %v", got.Scopes, scopes)
		}
	}},
	{"UserConsentsOldestFirst", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		t0 := now()
		var want []store.Consent
		for i := range 3 {
			b := authz{p: a.p, u: a.u, app: createApp(t, s, newApp(a.p.ID, t0))}
			c := b.consent(t0.Add(-time.Duration(i)*time.Minute), "openid")
			must(t, s.SaveConsent(ctx(t), c))
			want = append([]store.Consent{c}, want...)
		}
		other := authz{p: a.p, u: createUser(t, s, newUser(a.p.ID)), app: a.app}
		must(t, s.SaveConsent(ctx(t), other.consent(t0, "openid")))
		got, err := s.UserConsents(ctx(t), a.p.ID, a.u.ID)
		must(t, err)
		equal(t, got, want)
	}},
	{"Revoke", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		other := authz{p: a.p, u: a.u, app: createApp(t, s, newApp(a.p.ID, now()))}
		t0 := now()
		must(t, s.SaveConsent(ctx(t), a.consent(t0, "openid")))
		g1, g2 := a.grant(t, s, t0, time.Hour), a.grant(t, s, t0, time.Hour)
		tok := token(t, s, g1, t0, time.Hour)
		kept := other.grant(t, s, t0, time.Hour)

		must(t, s.RevokeConsent(ctx(t), a.p.ID, a.u.ID, a.app.ClientID, t0))
		_, err := s.Consent(ctx(t), a.p.ID, a.u.ID, a.app.ClientID)
		wantErr(t, err, store.ErrNotFound)
		for _, g := range []store.Grant{g1, g2} {
			wantFound(t, "revoked grant", second(s.Grant(ctx(t), a.p.ID, g.ID, t0)), false)
		}
		wantFound(t, "its refresh token", second(s.RefreshTokenGrant(ctx(t), tok.Hash, t0)), false)
		wantFound(t, "other client's grant", second(s.Grant(ctx(t), a.p.ID, kept.ID, t0)), true)

		wantErr(t, s.RevokeConsent(ctx(t), a.p.ID, a.u.ID, a.app.ClientID, t0), store.ErrNotFound)
	}},
	{"RevokeGrantsWithoutConsent", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s) // e.g. a first-party client that skips consent
		t0 := now()
		g := a.grant(t, s, t0, time.Hour)
		must(t, s.RevokeConsent(ctx(t), a.p.ID, a.u.ID, a.app.ClientID, t0))
		wantFound(t, "grant", second(s.Grant(ctx(t), a.p.ID, g.ID, t0)), false)
	}},
	{"ProjectIsolation", func(t *testing.T, s store.Store) {
		a, b := newAuthz(t, s), newAuthz(t, s)
		t0 := now()
		must(t, s.SaveConsent(ctx(t), a.consent(t0, "openid")))
		g := a.grant(t, s, t0, time.Hour)
		c := ctx(t)
		for name, err := range map[string]error{
			"Consent":       second(s.Consent(c, b.p.ID, a.u.ID, a.app.ClientID)),
			"RevokeConsent": s.RevokeConsent(c, b.p.ID, a.u.ID, a.app.ClientID, t0),
			"Grant":         second(s.Grant(c, b.p.ID, g.ID, t0)),
			"RevokeGrant":   s.RevokeGrant(c, b.p.ID, g.ID, t0),
			"RefreshToken":  s.CreateRefreshToken(c, store.RefreshToken{Hash: []byte(newID("rt")), GrantID: g.ID, ProjectID: b.p.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}),
		} {
			wantFound(t, name, err, false)
		}
		list, err := s.UserConsents(c, b.p.ID, a.u.ID)
		must(t, err)
		equal(t, len(list), 0)
		wantFound(t, "own grant", second(s.Grant(c, a.p.ID, g.ID, t0)), true)
		wantFound(t, "own consent", second(s.Consent(c, a.p.ID, a.u.ID, a.app.ClientID)), true)
	}},
}

var codeTests = []test{
	{"Redeem", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		t0 := now()
		code := a.code(t0)
		must(t, s.CreateAuthCode(ctx(t), code, nil))
		want := grantFor(code, t0, 30*24*time.Hour)
		want.CertThumbprint = "x5t-test" // RFC 8705 §4 binding survives the round trip
		want.Claims = json.RawMessage(`{"userinfo":{"payment_details":null}}`)
		var seen store.AuthCode
		g, err := s.RedeemAuthCode(ctx(t), code.Hash, t0.Add(time.Minute), func(got store.AuthCode) (store.Grant, error) {
			seen = got
			issued := want
			// The grant belongs to the code's owners, whatever issue says.
			issued.ProjectID, issued.ClientID, issued.UserID = "project-test-other", "connected-app-test-other", "user-test-other"
			return issued, nil
		})
		must(t, err)
		equal(t, seen, code)
		equal(t, g, want)
		stored, err := s.Grant(ctx(t), a.p.ID, g.ID, t0.Add(time.Minute))
		must(t, err)
		equal(t, stored, want)
	}},
	{"RedeemMinimal", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		t0 := now()
		code := store.AuthCode{Hash: []byte(newID("code")), ProjectID: a.p.ID, ClientID: a.app.ClientID, UserID: a.u.ID,
			AuthTime: t0, CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
		must(t, s.CreateAuthCode(ctx(t), code, nil))
		want := store.Grant{ID: newID("grant"), ProjectID: a.p.ID, ClientID: a.app.ClientID, UserID: a.u.ID,
			AuthTime: t0, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		var seen store.AuthCode
		g, err := s.RedeemAuthCode(ctx(t), code.Hash, t0, func(got store.AuthCode) (store.Grant, error) {
			seen = got
			return want, nil
		})
		must(t, err)
		equal(t, seen, code)
		equal(t, g, want)
	}},
	{"RedeemUnknownOrExpired", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		t0 := now()
		code := a.code(t0)
		must(t, s.CreateAuthCode(ctx(t), code, nil))
		for _, tc := range []struct {
			name string
			hash []byte
			at   time.Time
		}{
			{"unknown", []byte("no-such-code"), t0},
			{"expired", code.Hash, code.ExpiresAt}, // live means expires_at > now
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.RedeemAuthCode(ctx(t), tc.hash, tc.at, redeemNever(t))
				wantErr(t, err, store.ErrNotFound)
			})
		}
		// Still redeemable a microsecond before it expires.
		_, err := s.RedeemAuthCode(ctx(t), code.Hash, code.ExpiresAt.Add(-time.Microsecond), func(c store.AuthCode) (store.Grant, error) {
			return grantFor(c, t0, time.Hour), nil
		})
		must(t, err)
	}},
	{"ReplayRevokesGrant", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		t0 := now()
		code := a.code(t0)
		must(t, s.CreateAuthCode(ctx(t), code, nil))
		g, err := s.RedeemAuthCode(ctx(t), code.Hash, t0, func(c store.AuthCode) (store.Grant, error) {
			return grantFor(c, t0, time.Hour), nil
		})
		must(t, err)
		tok := token(t, s, g, t0, time.Hour)
		for range 2 { // the second replay finds the grant already revoked
			_, err = s.RedeemAuthCode(ctx(t), code.Hash, t0.Add(time.Second), redeemNever(t))
			wantErr(t, err, store.ErrAlreadyUsed)
		}
		wantFound(t, "grant", second(s.Grant(ctx(t), a.p.ID, g.ID, t0)), false)
		wantFound(t, "refresh token", second(s.RefreshTokenGrant(ctx(t), tok.Hash, t0)), false)
	}},
	{"FailedIssueBurnsCode", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		t0 := now()
		code := a.code(t0)
		must(t, s.CreateAuthCode(ctx(t), code, nil))
		_, err := s.RedeemAuthCode(ctx(t), code.Hash, t0, func(store.AuthCode) (store.Grant, error) {
			return store.Grant{}, errAbort // say, a PKCE mismatch
		})
		wantErr(t, err, errAbort)
		_, err = s.RedeemAuthCode(ctx(t), code.Hash, t0, redeemNever(t))
		wantErr(t, err, store.ErrAlreadyUsed)
	}},
	{"ConcurrentRedeem", func(t *testing.T, s store.Store) { concurrentRedeem(t, s) }},
	{"DuplicateCode", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		code := a.code(now())
		must(t, s.CreateAuthCode(ctx(t), code, nil))
		wantDup(t, s.CreateAuthCode(ctx(t), code, nil), "code")
	}},
	{"CodeRecordsConsent", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		t0 := now()
		first := a.consent(t0, "openid", "email")
		must(t, s.CreateAuthCode(ctx(t), a.code(t0), &first))
		got, err := s.Consent(ctx(t), a.p.ID, a.u.ID, a.app.ClientID)
		must(t, err)
		equal(t, got, first)
		// A later code widens the consent as SaveConsent does; one that
		// asks for less leaves it as it was.
		later := a.consent(t0.Add(time.Hour), "profile")
		must(t, s.CreateAuthCode(ctx(t), a.code(t0), &later))
		narrower := a.consent(t0.Add(2*time.Hour), "email")
		must(t, s.CreateAuthCode(ctx(t), a.code(t0), &narrower))
		got, err = s.Consent(ctx(t), a.p.ID, a.u.ID, a.app.ClientID)
		must(t, err)
		equal(t, got, store.Consent{ProjectID: a.p.ID, UserID: a.u.ID, ClientID: a.app.ClientID,
			Scopes: []string{"openid", "email", "profile"}, GrantedAt: t0, UpdatedAt: t0.Add(time.Hour)})
	}},
	{"CodeAndConsentTogether", func(t *testing.T, s store.Store) {
		// A code that cannot be stored leaves no consent behind.
		a := newAuthz(t, s)
		t0 := now()
		code := a.code(t0)
		must(t, s.CreateAuthCode(ctx(t), code, nil))
		c := a.consent(t0, "openid")
		wantDup(t, s.CreateAuthCode(ctx(t), code, &c), "code")
		wantFound(t, "consent of the refused code", second(s.Consent(ctx(t), a.p.ID, a.u.ID, a.app.ClientID)), false)
	}},
}

var grantTests = []test{
	{"LiveUntilExpiry", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		t0 := now()
		g := a.grant(t, s, t0, time.Hour)
		wantFound(t, "before expiry", second(s.Grant(ctx(t), a.p.ID, g.ID, g.ExpiresAt.Add(-time.Microsecond))), true)
		wantFound(t, "at expiry", second(s.Grant(ctx(t), a.p.ID, g.ID, g.ExpiresAt)), false)
	}},
	{"Revoke", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		t0 := now()
		g := a.grant(t, s, t0, time.Hour)
		must(t, s.RevokeGrant(ctx(t), a.p.ID, g.ID, t0))
		wantFound(t, "revoked", second(s.Grant(ctx(t), a.p.ID, g.ID, t0)), false)
		must(t, s.RevokeGrant(ctx(t), a.p.ID, g.ID, t0.Add(time.Minute))) // again: fine
		wantErr(t, s.RevokeGrant(ctx(t), a.p.ID, "grant-test-missing", t0), store.ErrNotFound)
	}},
}
