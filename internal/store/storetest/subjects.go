package storetest

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// newVerification is a bank's vouching for its customer subject at
// issuer, verified at t and first verified an hour before.
func newVerification(issuer, subject string, t time.Time) store.Verification {
	return store.Verification{
		ID:       newID("verification"),
		BankID:   newID("bank"),
		Issuer:   issuer,
		BankName: "Example Bank & Trust",
		Subject:  subject,
		// Not compact and with characters JSON encoders like to escape:
		// claims read back byte for byte.
		Claims:     json.RawMessage(`{"given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.com", "note": "<b>&</b>"}`),
		ACR:        "urn:example:bank:loa:2",
		VerifiedAt: t,
		CreatedAt:  t.Add(-time.Hour),
	}
}

// subjectOf finds the user of (issuer, subject), failing the test if
// there is none.
func subjectOf(t *testing.T, s store.Store, projectID string, v store.Verification) store.User {
	t.Helper()
	u, err := s.UserByBankSubject(ctx(t), projectID, v.Issuer, v.Subject)
	must(t, err)
	return u
}

func wantNoSubject(t *testing.T, s store.Store, projectID string, v store.Verification) {
	t.Helper()
	_, err := s.UserByBankSubject(ctx(t), projectID, v.Issuer, v.Subject)
	wantErr(t, err, store.ErrNotFound)
}

var bankSubjectTests = []test{
	{"FindByBankSubject", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := newUser(p.ID)
		bare := newVerification("https://other-bank.example", "Customer-42", now())
		bare.Claims, bare.ACR = nil, ""
		u.Verifications = append(u.Verifications, bare)
		u.Password = &store.Password{ID: newID("password"), Hash: "h", CreatedAt: now()}
		createUser(t, s, u)
		for _, v := range u.Verifications {
			equal(t, subjectOf(t, s, p.ID, v), u)
		}
		equal(t, getUser(t, s, p.ID, u.ID), u)
		// Compared exactly: the sub is case sensitive (OIDC Core §2),
		// and the same sub at another bank is another person.
		wantNoSubject(t, s, p.ID, store.Verification{Issuer: bare.Issuer, Subject: "customer-42"})
		wantNoSubject(t, s, p.ID, store.Verification{Issuer: u.Verifications[0].Issuer, Subject: bare.Subject})
	}},
	{"DuplicateOnCreate", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		a := createUser(t, s, newUser(p.ID))
		b := newUser(p.ID)
		b.Verifications = append(b.Verifications, newVerification(a.Verifications[0].Issuer, a.Verifications[0].Subject, now()))
		b.Password = &store.Password{ID: newID("password"), Hash: "h", CreatedAt: now()}
		wantDup(t, s.CreateUser(ctx(t), b), "bank_subject")
		_, err := s.User(ctx(t), p.ID, b.ID)
		wantErr(t, err, store.ErrNotFound) // nothing half-written
		wantNoSubject(t, s, p.ID, b.Verifications[0])
		equal(t, subjectOf(t, s, p.ID, a.Verifications[0]), a)
		// The same subject at another bank, or another subject at the
		// same bank, is another customer.
		c := newUser(p.ID)
		c.Verifications = []store.Verification{
			newVerification("https://other-bank.example", a.Verifications[0].Subject, now()),
			newVerification(a.Verifications[0].Issuer, a.Verifications[0].Subject+"-2", now()),
		}
		createUser(t, s, c)
	}},
	{"ConcurrentCreateSameSubject", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		const n = 8
		v := newUser(p.ID).Verifications[0]
		start := make(chan struct{})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				u := newUser(p.ID)
				u.Verifications = []store.Verification{v}
				<-start
				errs[i] = s.CreateUser(ctx(t), u)
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			wantDup(t, err, "bank_subject")
		}
		if won != 1 {
			t.Fatalf("%d creates succeeded, want exactly 1", won)
		}
		subjectOf(t, s, p.ID, v)
	}},
	{"UpdateAddsAndRemoves", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := newUser(p.ID)
		u.Verifications = nil
		createUser(t, s, u)
		v := newVerification("https://bank.example", newID("sub"), now())
		got, err := s.UpdateUser(ctx(t), p.ID, u.ID, func(x *store.User) error {
			x.Verifications = append(x.Verifications, v)
			return nil
		})
		must(t, err)
		want := u
		want.Verifications = []store.Verification{v}
		equal(t, got, want)
		equal(t, subjectOf(t, s, p.ID, v), want)

		// A later verification by the same bank refreshes the record;
		// the user stays findable throughout.
		refreshed := v
		refreshed.VerifiedAt, refreshed.Claims = v.VerifiedAt.Add(time.Hour), json.RawMessage(`{"given_name":"Augusta"}`)
		got, err = s.UpdateUser(ctx(t), p.ID, u.ID, func(x *store.User) error {
			x.Verifications[0] = refreshed
			return nil
		})
		must(t, err)
		want.Verifications = []store.Verification{refreshed}
		equal(t, got, want)
		equal(t, subjectOf(t, s, p.ID, v), want)

		got, err = s.UpdateUser(ctx(t), p.ID, u.ID, func(x *store.User) error {
			x.Verifications = nil
			return nil
		})
		must(t, err)
		equal(t, got, u)
		wantNoSubject(t, s, p.ID, v)
		// The subject is free for another user.
		other := newUser(p.ID)
		other.Verifications = []store.Verification{v}
		createUser(t, s, other)
		equal(t, subjectOf(t, s, p.ID, v).ID, other.ID)
	}},
	{"UpdateCollision", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		a, b := createUser(t, s, newUser(p.ID)), createUser(t, s, newUser(p.ID))
		_, err := s.UpdateUser(ctx(t), p.ID, b.ID, func(x *store.User) error {
			x.Name.First = "Mallory"
			x.Verifications = append(x.Verifications, newVerification(a.Verifications[0].Issuer, a.Verifications[0].Subject, now()))
			return nil
		})
		wantDup(t, err, "bank_subject")
		equal(t, getUser(t, s, p.ID, b.ID), b)
		equal(t, subjectOf(t, s, p.ID, a.Verifications[0]).ID, a.ID)
		equal(t, subjectOf(t, s, p.ID, b.Verifications[0]).ID, b.ID) // its own index survives the rollback
	}},
	{"DeleteFreesSubject", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := createUser(t, s, newUser(p.ID))
		must(t, s.DeleteUser(ctx(t), p.ID, u.ID, time.Now()))
		wantNoSubject(t, s, p.ID, u.Verifications[0])
		other := newUser(p.ID)
		other.Verifications = u.Verifications
		createUser(t, s, other)
		equal(t, subjectOf(t, s, p.ID, u.Verifications[0]), other)
	}},
	{"ProjectIsolation", func(t *testing.T, s store.Store) {
		a, b, c := newProject(t, s), newProject(t, s), newProject(t, s)
		ua := createUser(t, s, newUser(a.ID))
		ub := newUser(b.ID)
		ub.Verifications = ua.Verifications // the same customer, another project
		createUser(t, s, ub)
		equal(t, subjectOf(t, s, a.ID, ua.Verifications[0]), ua)
		equal(t, subjectOf(t, s, b.ID, ua.Verifications[0]), ub)
		wantNoSubject(t, s, c.ID, ua.Verifications[0])
		must(t, s.DeleteUser(ctx(t), b.ID, ub.ID, time.Now()))
		equal(t, subjectOf(t, s, a.ID, ua.Verifications[0]), ua)
	}},
}
