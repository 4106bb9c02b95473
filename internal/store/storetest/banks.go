package storetest

import (
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

func newBank(projectID, name, issuer string, created time.Time) store.Bank {
	return store.Bank{
		ID:              newID("bank"),
		ProjectID:       projectID,
		Issuer:          issuer,
		DisplayName:     name,
		LogoURL:         "https://bank.example/logo.svg",
		TLSServerCA:     "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
		PrimaryColor:    "#0a3d62",
		BackgroundColor: "#fff",
		ClientID:        "rp-client",
		AuthMethod:      "private_key_jwt",
		SealedSecrets:   []byte("sealed-blob"),
		CreatedAt:       created,
		UpdatedAt:       created,
	}
}

func createBank(t *testing.T, s store.Store, b store.Bank) store.Bank {
	t.Helper()
	must(t, s.CreateBank(ctx(t), b))
	return b
}

var bankTests = []test{
	{"CreateAndGet", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		b := createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", now()))
		got, err := s.Bank(ctx(t), p.ID, b.ID)
		must(t, err)
		equal(t, got, b)
	}},
	{"MaxAge", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		b := newBank(p.ID, "Alpha Bank", "https://alpha.example", now())
		zero := 0
		b.MaxAge = &zero // 0 is a bound (always sign in again), not "none"
		createBank(t, s, b)
		got, err := s.Bank(ctx(t), p.ID, b.ID)
		must(t, err)
		equal(t, got, b)
		got, err = s.UpdateBank(ctx(t), p.ID, b.ID, func(b *store.Bank) error { b.MaxAge = nil; return nil })
		must(t, err)
		if got.MaxAge != nil {
			t.Fatalf("MaxAge after clearing = %d", *got.MaxAge)
		}
		got, err = s.Bank(ctx(t), p.ID, b.ID)
		must(t, err)
		if got.MaxAge != nil {
			t.Fatalf("stored MaxAge after clearing = %d", *got.MaxAge)
		}
	}},
	{"NoSecrets", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		b := newBank(p.ID, "Alpha Bank", "https://alpha.example", now())
		b.SealedSecrets = nil
		createBank(t, s, b)
		got, err := s.Bank(ctx(t), p.ID, b.ID)
		must(t, err)
		equal(t, got, b)
	}},
	{"NotFound", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		_, err := s.Bank(ctx(t), p.ID, "bank-test-missing")
		wantErr(t, err, store.ErrNotFound)
		_, err = s.UpdateBank(ctx(t), p.ID, "bank-test-missing", func(*store.Bank) error { return nil })
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.DeleteBank(ctx(t), p.ID, "bank-test-missing"), store.ErrNotFound)
	}},
	{"WrongProject", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		b := createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", now()))
		_, err := s.Bank(ctx(t), other.ID, b.ID)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.UpdateBank(ctx(t), other.ID, b.ID, func(*store.Bank) error { return nil })
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.DeleteBank(ctx(t), other.ID, b.ID), store.ErrNotFound)
		list, err := s.Banks(ctx(t), other.ID)
		must(t, err)
		equal(t, len(list), 0)
	}},
	{"DuplicateIssuer", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", now()))
		wantDup(t, s.CreateBank(ctx(t), newBank(p.ID, "Alpha again", "https://alpha.example", now())), "issuer")
		// Another project may list the same bank.
		createBank(t, s, newBank(other.ID, "Alpha Bank", "https://alpha.example", now()))
	}},
	{"DuplicateID", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		b := createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", now()))
		b.Issuer = "https://beta.example"
		wantDup(t, s.CreateBank(ctx(t), b), "bank_id")
	}},
	{"ListByDisplayName", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		at := now()
		c := createBank(t, s, newBank(p.ID, "Gamma Bank", "https://gamma.example", at))
		a := createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", at.Add(time.Second)))
		b := createBank(t, s, newBank(p.ID, "Beta Bank", "https://beta.example", at.Add(-time.Second)))
		createBank(t, s, newBank(other.ID, "Aardvark Bank", "https://aardvark.example", at))
		list, err := s.Banks(ctx(t), p.ID)
		must(t, err)
		equal(t, list, []store.Bank{a, b, c})
	}},
	{"Update", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		b := createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", now()))
		later := b.UpdatedAt.Add(time.Minute)
		got, err := s.UpdateBank(ctx(t), p.ID, b.ID, func(v *store.Bank) error {
			v.Issuer, v.DisplayName, v.LogoURL = "https://alpha2.example", "Alpha", ""
			v.PrimaryColor, v.BackgroundColor = "#123", "#abcdef"
			v.ClientID, v.AuthMethod, v.SealedSecrets = "rp-2", "tls_client_auth", []byte("resealed")
			v.UpdatedAt = later
			v.ID, v.ProjectID, v.CreatedAt = "bank-test-other", "project-test-other", later
			return nil
		})
		must(t, err)
		want := b
		want.Issuer, want.DisplayName, want.LogoURL = "https://alpha2.example", "Alpha", ""
		want.PrimaryColor, want.BackgroundColor = "#123", "#abcdef"
		want.ClientID, want.AuthMethod, want.SealedSecrets = "rp-2", "tls_client_auth", []byte("resealed")
		want.UpdatedAt = later
		equal(t, got, want)
		read, err := s.Bank(ctx(t), p.ID, b.ID)
		must(t, err)
		equal(t, read, want)
	}},
	{"UpdateAborts", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		b := createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", now()))
		_, err := s.UpdateBank(ctx(t), p.ID, b.ID, func(v *store.Bank) error {
			v.DisplayName = "Changed"
			return store.ErrNotFound
		})
		wantErr(t, err, store.ErrNotFound)
		read, err := s.Bank(ctx(t), p.ID, b.ID)
		must(t, err)
		equal(t, read, b)
	}},
	{"UpdateDuplicateIssuer", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", now()))
		b := createBank(t, s, newBank(p.ID, "Beta Bank", "https://beta.example", now()))
		_, err := s.UpdateBank(ctx(t), p.ID, b.ID, func(v *store.Bank) error {
			v.Issuer = "https://alpha.example"
			return nil
		})
		wantDup(t, err, "issuer")
		read, err := s.Bank(ctx(t), p.ID, b.ID)
		must(t, err)
		equal(t, read, b)
	}},
	{"Delete", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		b := createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", now()))
		must(t, s.DeleteBank(ctx(t), p.ID, b.ID))
		_, err := s.Bank(ctx(t), p.ID, b.ID)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.DeleteBank(ctx(t), p.ID, b.ID), store.ErrNotFound)
		// The issuer is free again.
		createBank(t, s, newBank(p.ID, "Alpha Bank", "https://alpha.example", now()))
	}},
}
