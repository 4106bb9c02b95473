package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

var projectTests = []test{
	{"CreateAndGet", func(t *testing.T, s store.Store) {
		want := store.Project{ID: newID("project"), Name: "Acme", SecretHash: []byte{1, 2, 3}, TokenAlg: "ES256",
			Vertical: store.VerticalB2B, CreatedAt: now()}
		must(t, s.CreateProject(ctx(t), want))
		got, err := s.Project(ctx(t), want.ID)
		must(t, err)
		equal(t, got, want)
	}},
	{"DefaultTokenAlgIsRS256", func(t *testing.T, s store.Store) {
		p := store.Project{ID: newID("project"), Name: "Acme", CreatedAt: now()}
		must(t, s.CreateProject(ctx(t), p))
		got, err := s.Project(ctx(t), p.ID)
		must(t, err)
		equal(t, got.TokenAlg, "RS256")
	}},
	{"DefaultVerticalIsConsumer", func(t *testing.T, s store.Store) {
		p := store.Project{ID: newID("project"), Name: "Acme", CreatedAt: now()}
		must(t, s.CreateProject(ctx(t), p))
		got, err := s.Project(ctx(t), p.ID)
		must(t, err)
		equal(t, got.Vertical, store.VerticalConsumer)
	}},
	{"DuplicateID", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		p.Name = "Other"
		wantDup(t, s.CreateProject(ctx(t), p), "project_id")
	}},
	{"NotFound", func(t *testing.T, s store.Store) {
		_, err := s.Project(ctx(t), "project-test-missing")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"ListOldestFirst", func(t *testing.T, s store.Store) {
		base := now()
		var want []store.Project
		for i := range 3 {
			// Created in reverse insertion order, so the order is the
			// store's doing, not the insertion's.
			p := store.Project{ID: newID("project"), Name: "P", TokenAlg: "RS256", Vertical: store.VerticalConsumer,
				SecretHash: []byte("h"), CreatedAt: base.Add(-time.Duration(i) * time.Minute)}
			must(t, s.CreateProject(ctx(t), p))
			want = append([]store.Project{p}, want...)
		}
		got, err := s.ListProjects(ctx(t))
		must(t, err)
		equal(t, got, want)
	}},
	{"SetTokenAlg", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		must(t, s.SetProjectTokenAlg(ctx(t), p.ID, "EdDSA"))
		got, err := s.Project(ctx(t), p.ID)
		must(t, err)
		p.TokenAlg = "EdDSA"
		equal(t, got, p)
	}},
	{"SetTrustAnchors", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
		must(t, s.SetProjectTrustAnchors(ctx(t), p.ID, pem))
		got, err := s.Project(ctx(t), p.ID)
		must(t, err)
		p.TLSClientAuthTrustAnchors = pem
		equal(t, got, p)
		must(t, s.SetProjectTrustAnchors(ctx(t), p.ID, ""))
		got, err = s.Project(ctx(t), p.ID)
		must(t, err)
		p.TLSClientAuthTrustAnchors = ""
		equal(t, got, p)
		wantErr(t, s.SetProjectTrustAnchors(ctx(t), "project-test-missing", pem), store.ErrNotFound)
	}},
	{"SetTokenAlgNotFound", func(t *testing.T, s store.Store) {
		wantErr(t, s.SetProjectTokenAlg(ctx(t), "project-test-missing", "ES256"), store.ErrNotFound)
	}},
	{"UpdateSecret", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		got, err := s.UpdateProjectSecret(ctx(t), p.ID, func(q *store.Project) error {
			equal(t, *q, p)
			q.NextSecretHash = []byte("next-hash")
			q.Name, q.TokenAlg = "ignored", "ignored"
			return nil
		})
		must(t, err)
		p.NextSecretHash = []byte("next-hash")
		equal(t, got, p)
		got, err = s.UpdateProjectSecret(ctx(t), p.ID, func(q *store.Project) error {
			q.SecretHash, q.NextSecretHash = q.NextSecretHash, nil
			return nil
		})
		must(t, err)
		p.SecretHash, p.NextSecretHash = []byte("next-hash"), nil
		equal(t, got, p)
		read, err := s.Project(ctx(t), p.ID)
		must(t, err)
		equal(t, read, p)
	}},
	{"UpdateSecretAborts", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		boom := errors.New("refused")
		_, err := s.UpdateProjectSecret(ctx(t), p.ID, func(q *store.Project) error {
			q.SecretHash = []byte("changed")
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want fn's error as is", err)
		}
		read, err := s.Project(ctx(t), p.ID)
		must(t, err)
		equal(t, read, p)
		_, err = s.UpdateProjectSecret(ctx(t), "project-test-missing", func(*store.Project) error { return nil })
		wantErr(t, err, store.ErrNotFound)
	}},
}
