package storetest

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
)

// newFlow is a bank verification flow with every field set, made at t
// and expiring ten minutes later.
func newFlow(projectID string, t time.Time) store.BankVerification {
	return store.BankVerification{
		ID:                   newID("bank-verification"),
		ProjectID:            projectID,
		Kind:                 store.VerificationKindAPI,
		Status:               store.VerificationAtBank,
		ClientID:             newID("connected-app"),
		AuthorizationRequest: "response_type=code&client_id=app&scope=openid+email",
		RedirectURL:          "https://rp.example/verified?x=1",
		UserID:               newID("user"),
		BankID:               newID("bank"),
		VisitorID:            newID("visitor"),
		Scopes:               []string{"openid", "profile", "email"},
		Claims:               json.RawMessage(`{"id_token":{"acr":{"essential":true}}}`),
		CodeChallenge:        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		BeginHash:            hashOf("begin"),
		BindingHash:          hashOf("binding"),
		ResultHash:           hashOf("result"),
		State:                "state-" + uuid.NewString(),
		Nonce:                "nonce-" + uuid.NewString(),
		CodeVerifier:         "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
		Attempts:             2,
		VerificationID:       newID("verification"),
		ErrorCode:            "access_denied",
		ErrorMessage:         "The bank did not confirm who you are.",
		SourceHash:           hashOf("source"),
		CreatedAt:            t,
		UpdatedAt:            t,
		ExpiresAt:            t.Add(10 * time.Minute),
	}
}

// minimalFlow is a fresh login flow with only what a flow needs.
func minimalFlow(projectID string, t time.Time) store.BankVerification {
	return store.BankVerification{
		ID:        newID("bank-verification"),
		ProjectID: projectID,
		Kind:      store.VerificationKindLogin,
		Status:    store.VerificationPending,
		CreatedAt: t,
		UpdatedAt: t,
		ExpiresAt: t.Add(10 * time.Minute),
	}
}

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s + uuid.NewString()))
	return h[:]
}

func createFlow(t *testing.T, s store.Store, v store.BankVerification) store.BankVerification {
	t.Helper()
	must(t, s.CreateBankVerification(ctx(t), v, 0))
	return v
}

func getFlow(t *testing.T, s store.Store, id string, at time.Time) store.BankVerification {
	t.Helper()
	v, err := s.BankVerification(ctx(t), id, at)
	must(t, err)
	return v
}

// updateNever is an update fn for a flow that must not be found.
func updateNever(t *testing.T) func(*store.BankVerification) error {
	return func(*store.BankVerification) error {
		t.Error("fn called for a missing or expired flow")
		return nil
	}
}

var errLost = errors.New("storetest: lost the race")

var verifyTests = []test{
	{"CreateAndGet", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		full, bare := createFlow(t, s, newFlow(p.ID, t0)), createFlow(t, s, minimalFlow(p.ID, t0))
		equal(t, getFlow(t, s, full.ID, t0), full)
		equal(t, getFlow(t, s, bare.ID, t0), bare)
	}},
	{"NotFound", func(t *testing.T, s store.Store) {
		_, err := s.BankVerification(ctx(t), "bank-verification-test-missing", now())
		wantErr(t, err, store.ErrNotFound)
		_, err = s.UpdateBankVerification(ctx(t), "bank-verification-test-missing", now(), updateNever(t))
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Expired", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		v := createFlow(t, s, newFlow(p.ID, now()))
		getFlow(t, s, v.ID, v.ExpiresAt.Add(-time.Microsecond))
		_, err := s.BankVerification(ctx(t), v.ID, v.ExpiresAt)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.UpdateBankVerification(ctx(t), v.ID, v.ExpiresAt, updateNever(t))
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Update", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		v := createFlow(t, s, minimalFlow(p.ID, t0))
		later := t0.Add(time.Minute)
		next := newFlow(p.ID, later) // every mutable field different
		next.Status, next.ExpiresAt = store.VerificationVerified, later.Add(time.Hour)
		got, err := s.UpdateBankVerification(ctx(t), v.ID, t0, func(x *store.BankVerification) error {
			equal(t, *x, v)
			*x = next
			// Not fn's to change (next has another ID, kind, source
			// and creation time; the project too):
			x.ProjectID = "project-test-other"
			return nil
		})
		must(t, err)
		want := next
		want.ID, want.ProjectID, want.Kind, want.CreatedAt = v.ID, v.ProjectID, v.Kind, v.CreatedAt
		want.SourceHash = v.SourceHash
		equal(t, got, want)
		equal(t, getFlow(t, s, v.ID, t0), want)
		_, err = s.BankVerification(ctx(t), next.ID, t0)
		wantErr(t, err, store.ErrNotFound)

		// And back to empty: optional fields clear.
		got, err = s.UpdateBankVerification(ctx(t), v.ID, t0, func(x *store.BankVerification) error {
			*x = v
			return nil
		})
		must(t, err)
		equal(t, got, v)
		equal(t, getFlow(t, s, v.ID, t0), v)
	}},
	{"UpdateMayEndTheFlow", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		v := createFlow(t, s, newFlow(p.ID, t0))
		got, err := s.UpdateBankVerification(ctx(t), v.ID, t0, func(x *store.BankVerification) error {
			x.Status, x.ExpiresAt = store.VerificationDone, t0
			return nil
		})
		must(t, err)
		want := v
		want.Status, want.ExpiresAt = store.VerificationDone, t0
		equal(t, got, want)
		_, err = s.BankVerification(ctx(t), v.ID, t0)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"UpdateAborts", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		v := createFlow(t, s, newFlow(p.ID, t0))
		_, err := s.UpdateBankVerification(ctx(t), v.ID, t0, func(x *store.BankVerification) error {
			x.Status, x.State = store.VerificationFailed, ""
			return errAbort
		})
		wantErr(t, err, errAbort)
		if err != errAbort { //nolint:errorlint // identity is the point: fn's error as is, not wrapped
			t.Fatalf("got %#v, want fn's error as is", err)
		}
		equal(t, getFlow(t, s, v.ID, t0), v)
	}},
	{"ConcurrentCompareAndSet", func(t *testing.T, s store.Store) {
		// Callbacks racing to finish one flow: each moves it from
		// at_bank to completing only if it still is at_bank.
		p := newProject(t, s)
		t0 := now()
		v := createFlow(t, s, newFlow(p.ID, t0))
		const n = 8
		start := make(chan struct{})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = s.UpdateBankVerification(ctx(t), v.ID, t0, func(x *store.BankVerification) error {
					if x.Status != store.VerificationAtBank {
						return errLost
					}
					x.Status, x.UpdatedAt = store.VerificationCompleting, t0.Add(time.Duration(i+1)*time.Second)
					return nil
				})
			})
		}
		close(start)
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won >= 0:
				t.Fatalf("updates %d and %d both moved the flow", won, i)
			case err == nil:
				won = i
			default:
				wantErr(t, err, errLost)
			}
		}
		if won < 0 {
			t.Fatal("no update moved the flow")
		}
		got := getFlow(t, s, v.ID, t0)
		equal(t, got.Status, store.VerificationCompleting)
		equal(t, got.UpdatedAt, t0.Add(time.Duration(won+1)*time.Second))
	}},
	{"DuplicateID", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		v := createFlow(t, s, newFlow(p.ID, now()))
		wantDup(t, s.CreateBankVerification(ctx(t), v, 0), "bank_verification_id")
		// The ID is unique on the instance: the bank's callback finds the
		// flow by ID alone.
		dup := minimalFlow(other.ID, now())
		dup.ID = v.ID
		wantDup(t, s.CreateBankVerification(ctx(t), dup, 0), "bank_verification_id")
		equal(t, getFlow(t, s, v.ID, v.CreatedAt), v)
	}},
	{"DeleteUserRemovesFlows", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		u := createUser(t, s, newUser(p.ID))
		t0 := now()
		mine := newFlow(p.ID, t0)
		mine.UserID = u.ID
		createFlow(t, s, mine)
		theirs := createFlow(t, s, newFlow(p.ID, t0))     // another user's
		nobody := createFlow(t, s, minimalFlow(p.ID, t0)) // no user yet
		elsewhere := newFlow(other.ID, t0)                // the same user ID in another project
		elsewhere.UserID = u.ID
		createFlow(t, s, elsewhere)

		must(t, s.DeleteUser(ctx(t), p.ID, u.ID, time.Now()))
		_, err := s.BankVerification(ctx(t), mine.ID, t0)
		wantErr(t, err, store.ErrNotFound)
		for _, v := range []store.BankVerification{theirs, nobody, elsewhere} {
			equal(t, getFlow(t, s, v.ID, t0), v)
		}
	}},
	{"RememberBank", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		a := createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", t0))
		b := createBank(t, s, newBank(p.ID, "Beta Bank", "https://beta.example", t0))
		c := store.BankChoice{ProjectID: p.ID, VisitorHash: hashOf("visitor"), BankID: a.ID, ChosenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		must(t, s.RememberBank(ctx(t), c, 0))
		got, err := s.RememberedBank(ctx(t), p.ID, c.VisitorHash, t0)
		must(t, err)
		equal(t, got, c)

		// Choosing again replaces the choice and its lifetime.
		c2 := c
		c2.BankID, c2.ChosenAt, c2.ExpiresAt = b.ID, t0.Add(time.Minute), t0.Add(2*time.Hour)
		must(t, s.RememberBank(ctx(t), c2, 0))
		got, err = s.RememberedBank(ctx(t), p.ID, c.VisitorHash, t0)
		must(t, err)
		equal(t, got, c2)

		_, err = s.RememberedBank(ctx(t), p.ID, hashOf("stranger"), t0)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"RememberedBankExpires", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		c := store.BankChoice{ProjectID: p.ID, VisitorHash: hashOf("visitor"), BankID: newID("bank"), ChosenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		must(t, s.RememberBank(ctx(t), c, 0))
		got, err := s.RememberedBank(ctx(t), p.ID, c.VisitorHash, c.ExpiresAt.Add(-time.Microsecond))
		must(t, err)
		equal(t, got, c)
		_, err = s.RememberedBank(ctx(t), p.ID, c.VisitorHash, c.ExpiresAt)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"RememberedBankProjectIsolation", func(t *testing.T, s store.Store) {
		a, b, c := newProject(t, s), newProject(t, s), newProject(t, s)
		t0 := now()
		visitor := hashOf("visitor")
		ca := store.BankChoice{ProjectID: a.ID, VisitorHash: visitor, BankID: newID("bank"), ChosenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		cb := store.BankChoice{ProjectID: b.ID, VisitorHash: visitor, BankID: newID("bank"), ChosenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		must(t, s.RememberBank(ctx(t), ca, 0))
		must(t, s.RememberBank(ctx(t), cb, 0))
		for _, want := range []store.BankChoice{ca, cb} {
			got, err := s.RememberedBank(ctx(t), want.ProjectID, visitor, t0)
			must(t, err)
			equal(t, got, want)
		}
		_, err := s.RememberedBank(ctx(t), c.ID, visitor, t0)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"DeleteBankForgetsChoices", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		t0 := now()
		gone := createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", t0))
		kept := createBank(t, s, newBank(p.ID, "Beta Bank", "https://beta.example", t0))
		choose := func(projectID, bankID string) store.BankChoice {
			c := store.BankChoice{ProjectID: projectID, VisitorHash: hashOf("visitor"), BankID: bankID, ChosenAt: t0, ExpiresAt: t0.Add(time.Hour)}
			must(t, s.RememberBank(ctx(t), c, 0))
			return c
		}
		forgotten := choose(p.ID, gone.ID)
		remembered := []store.BankChoice{
			choose(p.ID, kept.ID),
			choose(other.ID, gone.ID), // another project's bank of that ID
		}
		// A failed delete forgets nothing.
		unlisted := choose(p.ID, "bank-test-unlisted")
		wantErr(t, s.DeleteBank(ctx(t), p.ID, unlisted.BankID), store.ErrNotFound)
		remembered = append(remembered, unlisted)

		must(t, s.DeleteBank(ctx(t), p.ID, gone.ID))
		_, err := s.RememberedBank(ctx(t), p.ID, forgotten.VisitorHash, t0)
		wantErr(t, err, store.ErrNotFound)
		for _, c := range remembered {
			got, err := s.RememberedBank(ctx(t), c.ProjectID, c.VisitorHash, t0)
			must(t, err)
			equal(t, got, c)
		}
	}},
	{"Sweep", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		live, expired := newFlow(p.ID, t0), newFlow(p.ID, t0.Add(-time.Hour))
		expired.ExpiresAt = t0 // expires_at <= now is expired
		for _, v := range []store.BankVerification{live, expired} {
			createFlow(t, s, v)
		}
		keep := store.BankChoice{ProjectID: p.ID, VisitorHash: hashOf("visitor"), BankID: newID("bank"), ChosenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		drop := store.BankChoice{ProjectID: p.ID, VisitorHash: hashOf("visitor"), BankID: newID("bank"), ChosenAt: t0.Add(-time.Hour), ExpiresAt: t0}
		for _, c := range []store.BankChoice{keep, drop} {
			must(t, s.RememberBank(ctx(t), c, 0))
		}

		n, err := s.Sweep(ctx(t), t0)
		must(t, err)
		equal(t, n, 2) // one flow, one choice
		// Asked about a time when they were live, the swept rows are gone.
		_, err = s.BankVerification(ctx(t), expired.ID, expired.CreatedAt)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.RememberedBank(ctx(t), p.ID, drop.VisitorHash, drop.ChosenAt)
		wantErr(t, err, store.ErrNotFound)
		equal(t, getFlow(t, s, live.ID, t0), live)
		got, err := s.RememberedBank(ctx(t), p.ID, keep.VisitorHash, t0)
		must(t, err)
		equal(t, got, keep)

		n, err = s.Sweep(ctx(t), t0)
		must(t, err)
		equal(t, n, 0)
	}},
}
