package storetest

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
)

// newUser is a user with every field set and unique email, phone,
// external ID and bank subject.
func newUser(projectID string) store.User {
	n := uuid.New()
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, n.String())
	t := now()
	return store.User{
		ID:                newID("user"),
		ProjectID:         projectID,
		Status:            "active",
		Name:              store.Name{First: "Ada", Middle: "King", Last: "Lovelace"},
		Email:             &store.Email{ID: newID("email"), Address: "Ada." + n.String()[:8] + "@Example.com", Verified: true},
		Phone:             &store.Phone{ID: newID("phone-number"), Number: "+1" + (digits + "0000000000")[:10]},
		TrustedMetadata:   json.RawMessage(`{"tier":"gold"}`),
		UntrustedMetadata: json.RawMessage(`{"theme":"dark"}`),
		ExternalID:        "ext-" + n.String(),
		Roles:             []string{"admin", "billing"},
		Address:           &store.Address{StreetAddress: "12 St James's Square", Locality: "London", PostalCode: "SW1Y 4JH", Country: "GB"},
		Birthdate:         "1815-12-10",
		PaymentDetails:    json.RawMessage(`[{"bankId":"125000024","identifier":"1111222233","identifierType":"ACCOUNT_NUMBER","type":"US_ACH","transferIn":true,"transferOut":true,"accountId":"acct-1"}]`),
		Verifications:     []store.Verification{newVerification("https://bank.example", "sub-"+n.String(), t)},
		CreatedAt:         t,
		UpdatedAt:         t,
	}
}

// createUser stores u and returns it.
func createUser(t *testing.T, s store.Store, u store.User) store.User {
	t.Helper()
	must(t, s.CreateUser(ctx(t), u))
	return u
}

func getUser(t *testing.T, s store.Store, projectID, id string) store.User {
	t.Helper()
	u, err := s.User(ctx(t), projectID, id)
	must(t, err)
	return u
}

var errAbort = errors.New("storetest: abort")

var userTests = []test{
	{"CreateAndGetByID", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := newUser(p.ID)
		u.FailedLogins = 2
		u.LockCreatedAt, u.LockExpiresAt = ptr(now()), ptr(now().Add(time.Hour))
		u.Password = &store.Password{ID: newID("password"), Hash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA", CreatedAt: now()}
		createUser(t, s, u)
		equal(t, getUser(t, s, p.ID, u.ID), u)
	}},
	{"CreateMinimal", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := store.User{ID: newID("user"), ProjectID: p.ID, Status: "pending", CreatedAt: now(), UpdatedAt: now()}
		createUser(t, s, u)
		equal(t, getUser(t, s, p.ID, u.ID), u)
	}},
	{"GetByExternalID", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := createUser(t, s, newUser(p.ID))
		equal(t, getUser(t, s, p.ID, u.ExternalID), u)
	}},
	{"UserIDWinsOverExternalID", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		a := createUser(t, s, newUser(p.ID))
		b := newUser(p.ID)
		b.ExternalID = a.ID
		createUser(t, s, b)
		equal(t, getUser(t, s, p.ID, a.ID).ID, a.ID)
	}},
	{"GetByEmailIgnoresCase", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := createUser(t, s, newUser(p.ID))
		for _, addr := range []string{u.Email.Address, strings.ToLower(u.Email.Address), strings.ToUpper(u.Email.Address)} {
			got, err := s.UserByEmail(ctx(t), p.ID, addr)
			must(t, err)
			equal(t, got, u) // the address keeps the case it was given
		}
	}},
	{"NotFound", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		_, err := s.User(ctx(t), p.ID, "user-test-missing")
		wantErr(t, err, store.ErrNotFound)
		_, err = s.UserByEmail(ctx(t), p.ID, "nobody@example.com")
		wantErr(t, err, store.ErrNotFound)
		_, err = s.UserByBankSubject(ctx(t), p.ID, "https://bank.example", "sub-missing")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Duplicates", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		taken := createUser(t, s, newUser(p.ID))
		for _, tc := range []struct {
			name, field string
			modify      func(u *store.User)
		}{
			{"email in other case", "email", func(u *store.User) { u.Email.Address = strings.ToUpper(taken.Email.Address) }},
			{"phone number", "phone_number", func(u *store.User) { u.Phone.Number = taken.Phone.Number }},
			{"external ID", "external_id", func(u *store.User) { u.ExternalID = taken.ExternalID }},
			{"user ID", "user_id", func(u *store.User) { u.ID = taken.ID }},
			{"bank subject", "bank_subject", func(u *store.User) { u.Verifications[0].Subject = taken.Verifications[0].Subject }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				u := newUser(p.ID)
				tc.modify(&u)
				u.Password = &store.Password{ID: newID("password"), Hash: "h", CreatedAt: now()}
				wantDup(t, s.CreateUser(ctx(t), u), tc.field)
				if u.ID != taken.ID {
					_, err := s.User(ctx(t), p.ID, u.ID)
					wantErr(t, err, store.ErrNotFound) // nothing half-written
				}
			})
		}
	}},
	{"OptionalFieldsDoNotCollide", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		for range 2 {
			createUser(t, s, store.User{ID: newID("user"), ProjectID: p.ID, Status: "active", CreatedAt: now(), UpdatedAt: now()})
		}
	}},
	{"SameEmailInOtherProject", func(t *testing.T, s store.Store) {
		a, b := newProject(t, s), newProject(t, s)
		u := createUser(t, s, newUser(a.ID))
		v := u
		v.ProjectID = b.ID
		createUser(t, s, v) // every unique field is per project, even the ID
		equal(t, getUser(t, s, b.ID, u.ID), v)
	}},
	{"ConcurrentCreateSameEmail", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		const n = 16
		email := newUser(p.ID).Email.Address
		start := make(chan struct{})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				u := newUser(p.ID)
				if i%2 == 1 {
					u.Email.Address = strings.ToUpper(email)
				} else {
					u.Email.Address = email
				}
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
			wantDup(t, err, "email")
		}
		if won != 1 {
			t.Fatalf("%d creates succeeded, want exactly 1", won)
		}
	}},
	{"Update", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := createUser(t, s, newUser(p.ID))
		later := u.UpdatedAt.Add(time.Minute)
		email := store.Email{ID: newID("email"), Address: "Grace@Navy.mil"}
		got, err := s.UpdateUser(ctx(t), p.ID, u.ID, func(v *store.User) error {
			v.Name = store.Name{First: "Grace", Last: "Hopper"}
			v.Email = &store.Email{ID: email.ID, Address: email.Address}
			v.Phone = nil
			v.Status = "pending"
			v.TrustedMetadata = json.RawMessage(`{"rank":"admiral"}`)
			v.Roles = []string{"viewer"}
			v.ExternalID = ""
			v.UpdatedAt = later
			// Not fn's to change:
			v.ID, v.ProjectID, v.CreatedAt = "user-test-other", "project-test-other", later
			v.Password = &store.Password{ID: "password-test-x", Hash: "x"}
			return nil
		})
		must(t, err)
		want := u
		want.Name = store.Name{First: "Grace", Last: "Hopper"}
		want.Email = &email
		want.Phone = nil
		want.Status = "pending"
		want.TrustedMetadata = json.RawMessage(`{"rank":"admiral"}`)
		want.Roles = []string{"viewer"}
		want.ExternalID = ""
		want.UpdatedAt = later
		equal(t, got, want)
		equal(t, getUser(t, s, p.ID, u.ID), want)
		byEmail, err := s.UserByEmail(ctx(t), p.ID, "GRACE@navy.mil")
		must(t, err)
		equal(t, byEmail.ID, u.ID)
		// The old email is free again.
		createUser(t, s, store.User{ID: newID("user"), ProjectID: p.ID, Status: "active", Email: u.Email, CreatedAt: now(), UpdatedAt: now()})
	}},
	{"UpdateAbortsOnError", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := createUser(t, s, newUser(p.ID))
		_, err := s.UpdateUser(ctx(t), p.ID, u.ID, func(v *store.User) error {
			v.Status = "pending"
			return errAbort
		})
		wantErr(t, err, errAbort)
		equal(t, getUser(t, s, p.ID, u.ID), u)
	}},
	{"UpdateToTakenEmail", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		a, b := createUser(t, s, newUser(p.ID)), createUser(t, s, newUser(p.ID))
		_, err := s.UpdateUser(ctx(t), p.ID, b.ID, func(v *store.User) error {
			v.Email = &store.Email{ID: newID("email"), Address: a.Email.Address}
			return nil
		})
		wantDup(t, err, "email")
		equal(t, getUser(t, s, p.ID, b.ID), b)
	}},
	{"UpdateNotFound", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		_, err := s.UpdateUser(ctx(t), p.ID, "user-test-missing", func(*store.User) error {
			t.Error("fn called for a missing user")
			return nil
		})
		wantErr(t, err, store.ErrNotFound)
	}},
	{"DeleteRemovesEverythingOfTheUser", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := newUser(p.ID)
		u.Password = &store.Password{ID: newID("password"), Hash: "h", CreatedAt: now()}
		createUser(t, s, u)
		sess := newSession(p.ID, u.ID, now(), now().Add(time.Hour))
		must(t, s.CreateSession(ctx(t), sess))
		// What the user granted a Connected App, and another user's grant
		// to the same app, which stays.
		a := authz{p: p, u: u, app: createApp(t, s, newApp(p.ID, now()))}
		other := authz{p: p, u: createUser(t, s, newUser(p.ID)), app: a.app}
		t0 := now()
		must(t, s.SaveConsent(ctx(t), a.consent(t0, "openid")))
		g := a.grant(t, s, t0, time.Hour)
		tok := token(t, s, g, t0, time.Hour)
		code := a.code(t0)
		must(t, s.CreateAuthCode(ctx(t), code, nil))
		kept := other.grant(t, s, t0, time.Hour)

		must(t, s.DeleteUser(ctx(t), p.ID, u.ID, time.Now()))
		_, err := s.User(ctx(t), p.ID, u.ID)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.SessionByToken(ctx(t), p.ID, sess.TokenHash, now())
		wantErr(t, err, store.ErrNotFound)
		// Re-created under the same ID, the user has nothing left over.
		u.Password = nil
		createUser(t, s, u)
		equal(t, getUser(t, s, p.ID, u.ID).Password, (*store.Password)(nil))
		c := ctx(t)
		for name, err := range map[string]error{
			"Consent":           second(s.Consent(c, p.ID, u.ID, a.app.ClientID)),
			"Grant":             second(s.Grant(c, p.ID, g.ID, t0)),
			"RevokeGrant":       s.RevokeGrant(c, p.ID, g.ID, t0), // not even revoked: gone
			"RefreshTokenGrant": second(s.RefreshTokenGrant(c, tok.Hash, t0)),
			"RedeemAuthCode":    second(s.RedeemAuthCode(c, code.Hash, t0, redeemNever(t))),
		} {
			wantFound(t, name, err, false)
		}
		wantFound(t, "other user's grant", second(s.Grant(c, p.ID, kept.ID, t0)), true)
	}},
	{"DeleteNotFound", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := createUser(t, s, newUser(p.ID))
		must(t, s.DeleteUser(ctx(t), p.ID, u.ID, time.Now()))
		wantErr(t, s.DeleteUser(ctx(t), p.ID, u.ID, time.Now()), store.ErrNotFound)
	}},
	{"ProjectIsolation", func(t *testing.T, s store.Store) {
		a, b := newProject(t, s), newProject(t, s)
		u := createUser(t, s, newUser(a.ID))
		c := ctx(t)
		for name, err := range map[string]error{
			"User":          second(s.User(c, b.ID, u.ID)),
			"External":      second(s.User(c, b.ID, u.ExternalID)),
			"ByEmail":       second(s.UserByEmail(c, b.ID, u.Email.Address)),
			"ByBankSubject": second(s.UserByBankSubject(c, b.ID, u.Verifications[0].Issuer, u.Verifications[0].Subject)),
			"Update": second(s.UpdateUser(c, b.ID, u.ID, func(v *store.User) error {
				v.Status = "pending"
				return nil
			})),
			"Delete":      s.DeleteUser(c, b.ID, u.ID, time.Now()),
			"SetPassword": s.SetPassword(c, b.ID, u.ID, store.Password{ID: newID("password"), Hash: "h"}),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s from another project: %v, want ErrNotFound", name, err)
			}
		}
		res, err := s.SearchUsers(c, b.ID, store.UserQuery{})
		must(t, err)
		equal(t, res.Total, 0)
		equal(t, getUser(t, s, a.ID, u.ID), u) // untouched
	}},
	{"SetPassword", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := createUser(t, s, newUser(p.ID))
		first := store.Password{ID: newID("password"), Hash: "hash-1", CreatedAt: now()}
		must(t, s.SetPassword(ctx(t), p.ID, u.ID, first))
		equal(t, getUser(t, s, p.ID, u.ID).Password, &first)
		second := store.Password{ID: newID("password"), Hash: "hash-2", RequiresReset: true, CreatedAt: now().Add(time.Minute)}
		must(t, s.SetPassword(ctx(t), p.ID, u.ID, second))
		equal(t, getUser(t, s, p.ID, u.ID).Password, &second)
	}},
	{"SetPasswordNotFound", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		err := s.SetPassword(ctx(t), p.ID, "user-test-missing", store.Password{ID: newID("password"), Hash: "h"})
		wantErr(t, err, store.ErrNotFound)
	}},
}

// second drops the value of a (value, error) pair.
func second[T any](_ T, err error) error { return err }
