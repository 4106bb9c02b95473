// Package projects creates tenants: a project record of one vertical
// (consumer or B2B), its API secret (shown once) and its signing keys; and
// rotates a project's API secret in two phases (secret.go).
package projects

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Creator is what project creation writes to.
type Creator interface {
	CreateProject(ctx context.Context, p store.Project) error
}

// KeyEnsurer gives a project the keys it lacks (*keys.Manager).
type KeyEnsurer interface {
	EnsureKeys(ctx context.Context, projectID string, algs ...string) error
}

// KeyAlgs are the algorithms every project has a key of from its
// creation: RS256 for session JWTs (the Stytch SDKs accept nothing else)
// and the default ID tokens, PS256 and ES256 for what a Connected App may
// register for ID tokens and JARM (internal/apps; FAPI allows only these).
// A key made later, on first use, could not sign until every node's JWKS
// served it (internal/keys), so the request that needed it would fail;
// made with the project, each key is published before anything can ask
// for it. EdDSA, an access-token choice only, is made when chosen
// (`signet project set`).
var KeyAlgs = []string{"RS256", "PS256", "ES256"}

// Create makes a consumer project named name and returns it with its
// secret. The secret is not stored, only its peppered hash: this is the
// one time anyone sees it.
func Create(ctx context.Context, st Creator, keys KeyEnsurer, pepper secrets.Pepper, name string, now time.Time) (store.Project, string, error) {
	return CreateVertical(ctx, st, keys, pepper, name, store.VerticalConsumer, now)
}

// CreateVertical is Create for a project of either vertical
// (store.VerticalConsumer or store.VerticalB2B), which it keeps for life.
func CreateVertical(ctx context.Context, st Creator, keys KeyEnsurer, pepper secrets.Pepper, name, vertical string, now time.Time) (store.Project, string, error) {
	if vertical != store.VerticalConsumer && vertical != store.VerticalB2B {
		return store.Project{}, "", fmt.Errorf("create project: vertical %q is neither %s nor %s", vertical, store.VerticalConsumer, store.VerticalB2B)
	}
	secret := secrets.New("secret-test-")
	p := store.Project{
		ID:         "project-test-" + uuid.NewString(),
		Name:       name,
		SecretHash: pepper.Hash(secret),
		TokenAlg:   "RS256",
		Vertical:   vertical,
		CreatedAt:  store.Time(now),
	}
	if err := st.CreateProject(ctx, p); err != nil {
		return store.Project{}, "", fmt.Errorf("create project: %w", err)
	}
	// All in one transaction: the project's first keys, which sign at once.
	if err := keys.EnsureKeys(ctx, p.ID, KeyAlgs...); err != nil {
		return store.Project{}, "", fmt.Errorf("create signing keys: %w", err)
	}
	return p, secret, nil
}

// Lister lists the instance's projects.
type Lister interface {
	ListProjects(ctx context.Context) ([]store.Project, error)
}

// EnsureKeys gives every project a key of each of KeyAlgs and of its
// access-token algorithm, for projects made before they all got them at
// creation. `signet serve` runs it at start-up; it writes only what is
// missing, so every start but the first after an upgrade just reads. A
// key it adds signs once every node's JWKS serves it (internal/keys).
func EnsureKeys(ctx context.Context, st Lister, keys KeyEnsurer) error {
	ps, err := st.ListProjects(ctx)
	if err != nil {
		return fmt.Errorf("list projects: %w", err)
	}
	for _, p := range ps {
		algs := KeyAlgs
		if p.TokenAlg != "" && !slices.Contains(algs, p.TokenAlg) {
			algs = append(slices.Clip(algs), p.TokenAlg)
		}
		if err := keys.EnsureKeys(ctx, p.ID, algs...); err != nil {
			return fmt.Errorf("project %s: %w", p.ID, err)
		}
	}
	return nil
}
