package storetest

import (
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// newMemberSession is a session of m from started until expires, with a
// random token hash.
func newMemberSession(m store.Member, started, expires time.Time) store.MemberSession {
	return store.MemberSession{
		ID:             newID("member-session"),
		ProjectID:      m.ProjectID,
		OrganizationID: m.OrganizationID,
		MemberID:       m.ID,
		TokenHash:      []byte(rand.Text()),
		StartedAt:      started,
		LastAccessedAt: started,
		ExpiresAt:      expires,
		Factors: []store.Factor{{
			Type: "password", DeliveryMethod: "knowledge",
			LastAuthenticatedAt: started, CreatedAt: started, UpdatedAt: started,
			DetailName: "email_factor",
			Detail:     json.RawMessage(`{"email_id":"member-email-test-1","email_address":"ada@acme.example"}`),
		}},
		CustomClaims: json.RawMessage(`{"plan":"pro"}`),
		Roles:        []string{"stytch_member"},
	}
}

// memberSessionFixture is an organization with a member and a live
// session of it.
func memberSessionFixture(t *testing.T, s store.Store) (store.Organization, store.Member, store.MemberSession) {
	t.Helper()
	p := newProject(t, s)
	o := createOrg(t, s, newOrg(p.ID))
	m := createMember(t, s, newMember(o))
	ms := newMemberSession(m, now(), now().Add(time.Hour))
	must(t, s.CreateMemberSession(ctx(t), ms))
	return o, m, ms
}

var memberSessionTests = []test{
	{"CreateAndGetByTokenAndID", func(t *testing.T, s store.Store) {
		o, m, ms := memberSessionFixture(t, s)
		// Read with the session: its member (password included) and its
		// organization, as they are stored.
		must(t, s.SetMemberPassword(ctx(t), o.ProjectID, m.ID, *memberPassword("member-password-test-" + m.ID)))
		wantM, wantO := getMember(t, s, m), getOrg(t, s, o.ProjectID, o.ID)
		got, gotM, gotO, err := s.MemberSessionByToken(ctx(t), o.ProjectID, ms.TokenHash, now())
		must(t, err)
		equal(t, got, ms)
		equal(t, gotM, wantM)
		equal(t, gotO, wantO)
		got, gotM, gotO, err = s.MemberSessionByID(ctx(t), o.ProjectID, ms.ID, now())
		must(t, err)
		equal(t, got, ms)
		equal(t, gotM, wantM)
		equal(t, gotO, wantO)
		if gotM.Password == nil {
			t.Error("the member's password was not read with the session")
		}
	}},
	{"OtherProjectNotFound", func(t *testing.T, s store.Store) {
		_, _, ms := memberSessionFixture(t, s)
		other := newProject(t, s)
		wantErr(t, lastErr(s.MemberSessionByToken(ctx(t), other.ID, ms.TokenHash, now())), store.ErrNotFound)
		wantErr(t, lastErr(s.MemberSessionByID(ctx(t), other.ID, ms.ID, now())), store.ErrNotFound)
		wantErr(t, s.RevokeMemberSession(ctx(t), other.ID, ms.ID), store.ErrNotFound)
	}},
	{"ExpiredNotFound", func(t *testing.T, s store.Store) {
		o, _, ms := memberSessionFixture(t, s)
		later := ms.ExpiresAt
		wantErr(t, lastErr(s.MemberSessionByToken(ctx(t), o.ProjectID, ms.TokenHash, later)), store.ErrNotFound)
		wantErr(t, lastErr(s.MemberSessionByID(ctx(t), o.ProjectID, ms.ID, later)), store.ErrNotFound)
		wantErr(t, second(s.TouchMemberSession(ctx(t), o.ProjectID, ms.ID, later, time.Time{}, nil)), store.ErrNotFound)
	}},
	{"CreateNeedsLiveMemberOfOrganization", func(t *testing.T, s store.Store) {
		o, m, _ := memberSessionFixture(t, s)
		// A member of another organization of the project.
		other := createOrg(t, s, newOrg(o.ProjectID))
		wrong := newMemberSession(m, now(), now().Add(time.Hour))
		wrong.OrganizationID = other.ID
		wantErr(t, s.CreateMemberSession(ctx(t), wrong), store.ErrNotFound)
		// An unknown member.
		ghost := newMemberSession(m, now(), now().Add(time.Hour))
		ghost.MemberID = newID("member")
		wantErr(t, s.CreateMemberSession(ctx(t), ghost), store.ErrNotFound)
		// A deleted member.
		_, err := s.DeleteMember(ctx(t), o.ProjectID, o.ID, m.ID, now())
		must(t, err)
		wantErr(t, s.CreateMemberSession(ctx(t), newMemberSession(m, now(), now().Add(time.Hour))), store.ErrNotFound)
	}},
	{"TokenHashUnique", func(t *testing.T, s store.Store) {
		_, m, ms := memberSessionFixture(t, s)
		dup := newMemberSession(m, now(), now().Add(time.Hour))
		dup.TokenHash = ms.TokenHash
		wantDup(t, s.CreateMemberSession(ctx(t), dup), "session_token")
	}},
	{"Touch", func(t *testing.T, s store.Store) {
		o, _, ms := memberSessionFixture(t, s)
		at, until := now().Add(time.Minute), now().Add(2*time.Hour)
		got, err := s.TouchMemberSession(ctx(t), o.ProjectID, ms.ID, at, until, json.RawMessage(`{"plan":"team"}`))
		must(t, err)
		want := ms
		want.LastAccessedAt, want.ExpiresAt, want.CustomClaims = at, until, json.RawMessage(`{"plan":"team"}`)
		equal(t, got, want)
		// Zero expiry and nil claims keep what is stored.
		got, err = s.TouchMemberSession(ctx(t), o.ProjectID, ms.ID, at.Add(time.Minute), time.Time{}, nil)
		must(t, err)
		want.LastAccessedAt = at.Add(time.Minute)
		equal(t, got, want)
	}},
	{"ListNewestFirstAndRevoke", func(t *testing.T, s store.Store) {
		o, m, ms := memberSessionFixture(t, s)
		newer := newMemberSession(m, now().Add(time.Second), now().Add(time.Hour))
		expired := newMemberSession(m, now().Add(-2*time.Hour), now().Add(-time.Hour))
		must(t, s.CreateMemberSession(ctx(t), newer))
		must(t, s.CreateMemberSession(ctx(t), expired))
		list, err := s.MemberSessionsOf(ctx(t), o.ProjectID, o.ID, m.ID, now())
		must(t, err)
		equal(t, list, []store.MemberSession{newer, ms})
		// Asked under another organization, the member has none.
		other := createOrg(t, s, newOrg(o.ProjectID))
		list, err = s.MemberSessionsOf(ctx(t), o.ProjectID, other.ID, m.ID, now())
		must(t, err)
		equal(t, len(list), 0)

		must(t, s.RevokeMemberSession(ctx(t), o.ProjectID, newer.ID))
		wantErr(t, s.RevokeMemberSession(ctx(t), o.ProjectID, newer.ID), store.ErrNotFound)
		wantErr(t, lastErr(s.MemberSessionByToken(ctx(t), o.ProjectID, newer.TokenHash, now())), store.ErrNotFound)

		n, err := s.RevokeMemberSessions(ctx(t), o.ProjectID, other.ID, m.ID)
		must(t, err)
		equal(t, n, 0)
		n, err = s.RevokeMemberSessions(ctx(t), o.ProjectID, o.ID, m.ID)
		must(t, err)
		equal(t, n, 2) // ms and the expired one
		wantErr(t, lastErr(s.MemberSessionByID(ctx(t), o.ProjectID, ms.ID, now())), store.ErrNotFound)
	}},
	{"DeleteMemberEndsSessions", func(t *testing.T, s store.Store) {
		o, m, ms := memberSessionFixture(t, s)
		_, err := s.DeleteMember(ctx(t), o.ProjectID, o.ID, m.ID, now())
		must(t, err)
		wantErr(t, lastErr(s.MemberSessionByToken(ctx(t), o.ProjectID, ms.TokenHash, now())), store.ErrNotFound)
		// Reactivated, the member does not get its sessions back.
		_, err = s.UpdateMember(ctx(t), o.ProjectID, o.ID, m.ID, func(m *store.Member) error {
			m.Status = "active"
			return nil
		})
		must(t, err)
		wantErr(t, lastErr(s.MemberSessionByID(ctx(t), o.ProjectID, ms.ID, now())), store.ErrNotFound)
	}},
	{"DeleteOrganizationEndsSessions", func(t *testing.T, s store.Store) {
		o, _, ms := memberSessionFixture(t, s)
		must(t, s.DeleteOrganization(ctx(t), o.ProjectID, o.ID))
		wantErr(t, lastErr(s.MemberSessionByToken(ctx(t), o.ProjectID, ms.TokenHash, now())), store.ErrNotFound)
	}},
	{"Sweep", func(t *testing.T, s store.Store) {
		o, m, live := memberSessionFixture(t, s)
		t0 := now()
		expired := newMemberSession(m, t0.Add(-2*time.Hour), t0)
		must(t, s.CreateMemberSession(ctx(t), expired))
		n, err := s.Sweep(ctx(t), t0)
		must(t, err)
		equal(t, n, 1)
		list, err := s.MemberSessionsOf(ctx(t), o.ProjectID, o.ID, m.ID, t0.Add(-3*time.Hour))
		must(t, err)
		equal(t, list, []store.MemberSession{live})
	}},
}

// lastErr is the error of a four-valued read.
func lastErr[A, B, C any](_ A, _ B, _ C, err error) error { return err }
