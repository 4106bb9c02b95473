// Package projects creates tenants: a project record, its API secret (shown
// once) and its first signing key; and rotates a project's API secret in
// two phases (secret.go).
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

// Create makes a project named name and returns it with its secret. The
// secret is not stored, only its peppered hash: this is the one time anyone
// sees it.
func Create(ctx context.Context, st Creator, keys KeyEnsurer, pepper secrets.Pepper, name string, now time.Time) (store.Project, string, error) {
	secret := secrets.New("secret-test-")
	p := store.Project{
		ID:         "project-test-" + uuid.NewString(),
		Name:       name,
		SecretHash: pepper.Hash(secret),
		TokenAlg:   "RS256",
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
