package storetest

import (
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// memberAuthz is an organization with a member and a client for that
// member to authorize (B2B Connected Apps).
type memberAuthz struct {
	authz
	o store.Organization
	m store.Member
}

func newMemberAuthz(t *testing.T, s store.Store) memberAuthz {
	t.Helper()
	p := newProject(t, s)
	o := createOrg(t, s, newOrg(p.ID))
	return memberAuthz{
		authz: authz{p: p, app: createApp(t, s, newApp(p.ID, now()))},
		o:     o,
		m:     createMember(t, s, newMember(o)),
	}
}

// code is authz.code for the member.
func (a memberAuthz) code(t0 time.Time) store.AuthCode {
	c := a.authz.code(t0)
	c.UserID, c.MemberID, c.OrganizationID = "", a.m.ID, a.o.ID
	return c
}

func (a memberAuthz) consent(at time.Time, scopes ...string) store.Consent {
	c := a.authz.consent(at, scopes...)
	c.UserID, c.MemberID, c.OrganizationID = "", a.m.ID, a.o.ID
	return c
}

// grant issues a grant to the member through a redeemed code, with its
// consent.
func (a memberAuthz) grant(t *testing.T, s store.Store, t0 time.Time) store.Grant {
	t.Helper()
	c := a.code(t0)
	must(t, s.CreateAuthCode(ctx(t), c, ptr(a.consent(t0, c.Scopes...))))
	g, err := s.RedeemAuthCode(ctx(t), c.Hash, t0, func(c store.AuthCode) (store.Grant, error) {
		return grantFor(c, t0, time.Hour), nil
	})
	must(t, err)
	return g
}

var memberGrantTests = []test{
	{"CodeConsentGrantRefresh", func(t *testing.T, s store.Store) {
		a := newMemberAuthz(t, s)
		t0 := now()
		c := a.code(t0)
		must(t, s.CreateAuthCode(ctx(t), c, ptr(a.consent(t0, c.Scopes...))))
		got, err := s.MemberConsent(ctx(t), a.p.ID, a.m.ID, a.app.ClientID)
		must(t, err)
		equal(t, got, a.consent(t0, c.Scopes...))
		// A member's consent is not a user's, and the reverse.
		wantErr(t, second(s.Consent(ctx(t), a.p.ID, a.m.ID, a.app.ClientID)), store.ErrNotFound)
		g, err := s.RedeemAuthCode(ctx(t), c.Hash, t0, func(got store.AuthCode) (store.Grant, error) {
			equal(t, got, c)
			g := grantFor(got, t0, time.Hour)
			g.UserID, g.MemberID, g.OrganizationID = "user-test-ignored", "", "" // the code's subject wins
			return g, nil
		})
		must(t, err)
		if g.UserID != "" || g.MemberID != a.m.ID || g.OrganizationID != a.o.ID || g.Subject() != a.m.ID {
			t.Fatalf("grant subject: user %q member %q organization %q", g.UserID, g.MemberID, g.OrganizationID)
		}
		read, err := s.Grant(ctx(t), a.p.ID, g.ID, t0)
		must(t, err)
		equal(t, read, g)
		rt := token(t, s, g, t0, time.Hour)
		_, rg, err := s.RefreshToken(ctx(t), rt.Hash, t0)
		must(t, err)
		equal(t, rg, g)
	}},
	{"ExactlyOneSubject", func(t *testing.T, s store.Store) {
		a := newMemberAuthz(t, s)
		c := a.code(now())
		c.UserID = "user-test-both"
		if err := s.CreateAuthCode(ctx(t), c, nil); err == nil {
			t.Fatal("a code for both a user and a member was stored")
		}
		c.UserID, c.MemberID = "", ""
		if err := s.CreateAuthCode(ctx(t), c, nil); err == nil {
			t.Fatal("a code for nobody was stored")
		}
	}},
	{"MemberOfAnotherOrganizationNotFound", func(t *testing.T, s store.Store) {
		a := newMemberAuthz(t, s)
		other := createOrg(t, s, newOrg(a.p.ID))
		c := a.code(now())
		c.OrganizationID = other.ID
		wantErr(t, s.CreateAuthCode(ctx(t), c, nil), store.ErrNotFound)
		cs := a.consent(now(), "openid")
		cs.OrganizationID = other.ID
		wantErr(t, s.SaveConsent(ctx(t), cs), store.ErrNotFound)
		// Another project's member is never found.
		b := newMemberAuthz(t, s)
		c = b.code(now())
		c.ProjectID, c.ClientID = a.p.ID, a.app.ClientID
		wantErr(t, s.CreateAuthCode(ctx(t), c, nil), store.ErrNotFound)
	}},
	{"DeletedMemberLosesGrants", func(t *testing.T, s store.Store) {
		a := newMemberAuthz(t, s)
		t0 := now()
		g := a.grant(t, s, t0)
		rt := token(t, s, g, t0, time.Hour)
		must(t, second(s.DeleteMember(ctx(t), a.p.ID, a.o.ID, a.m.ID, t0)))
		wantErr(t, second(s.Grant(ctx(t), a.p.ID, g.ID, t0)), store.ErrNotFound)
		wantErr(t, second(s.RefreshTokenGrant(ctx(t), rt.Hash, t0)), store.ErrNotFound)
		wantErr(t, second(s.MemberConsent(ctx(t), a.p.ID, a.m.ID, a.app.ClientID)), store.ErrNotFound)
		// And it can authorize nothing more.
		wantErr(t, s.CreateAuthCode(ctx(t), a.code(t0), nil), store.ErrNotFound)
	}},
	{"DeletedOrganizationLosesGrants", func(t *testing.T, s store.Store) {
		a := newMemberAuthz(t, s)
		t0 := now()
		g := a.grant(t, s, t0)
		token(t, s, g, t0, time.Hour)
		must(t, s.CreateAuthCode(ctx(t), a.code(t0), nil)) // unredeemed
		must(t, s.DeleteOrganization(ctx(t), a.p.ID, a.o.ID))
		wantErr(t, second(s.Grant(ctx(t), a.p.ID, g.ID, t0)), store.ErrNotFound)
		wantErr(t, second(s.MemberConsent(ctx(t), a.p.ID, a.m.ID, a.app.ClientID)), store.ErrNotFound)
	}},
	{"DeletedClientLosesMemberConsents", func(t *testing.T, s store.Store) {
		a := newMemberAuthz(t, s)
		t0 := now()
		g := a.grant(t, s, t0)
		must(t, s.DeleteConnectedApp(ctx(t), a.p.ID, a.app.ClientID))
		wantErr(t, second(s.Grant(ctx(t), a.p.ID, g.ID, t0)), store.ErrNotFound)
		wantErr(t, second(s.MemberConsent(ctx(t), a.p.ID, a.m.ID, a.app.ClientID)), store.ErrNotFound)
	}},
}
