// Package projects creates tenants: a project record of one vertical
// (consumer or B2B), its API secret (shown once) and its first signing key.
package projects

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Creator is what project creation writes to.
type Creator interface {
	CreateProject(ctx context.Context, p store.Project) error
}

// KeyEnsurer creates a project's first signing key of an algorithm.
type KeyEnsurer interface {
	EnsureKey(ctx context.Context, projectID, alg string) error
}

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
		CreatedAt:  now.UTC().Truncate(time.Microsecond),
	}
	if err := st.CreateProject(ctx, p); err != nil {
		return store.Project{}, "", fmt.Errorf("create project: %w", err)
	}
	// Session JWTs are RS256 (Stytch SDKs accept nothing else), so every
	// project starts with an RS256 key.
	if err := keys.EnsureKey(ctx, p.ID, "RS256"); err != nil {
		return store.Project{}, "", fmt.Errorf("create signing key: %w", err)
	}
	return p, secret, nil
}
