package projects

import (
	"context"
	"errors"

	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// A project's API secret rotates in two phases, as a client's does
// (Stytch API §5.4): StartSecretRotation makes a next secret that
// authenticates beside the current one, so every caller can move to it;
// CompleteSecretRotation makes it the only one; CancelSecretRotation drops
// it. Each step announces store.TopicProject (UpdateProjectSecret), so
// running servers drop the project from their cache when they hear of it;
// a server the notification does not reach sees a completion or a
// cancellation within its project cache's TTL (30 s), so the old secret
// may work that much longer there.

// SecretStore is what secret rotation writes to.
type SecretStore interface {
	UpdateProjectSecret(ctx context.Context, id string, fn func(*store.Project) error) (store.Project, error)
}

var (
	// ErrRotationInProgress means a rotation was started and not completed or
	// cancelled; its next secret may already be deployed, so it is not
	// replaced.
	ErrRotationInProgress = errors.New("a secret rotation is already in progress: complete or cancel it first")
	// ErrNoRotation means there is no next secret to complete or cancel.
	ErrNoRotation = errors.New("no secret rotation in progress: start one first")
)

// StartSecretRotation makes the project's next secret and returns it: the
// one time anyone sees it.
func StartSecretRotation(ctx context.Context, st SecretStore, pepper secrets.Pepper, projectID string) (string, error) {
	next := secrets.New("secret-test-")
	_, err := st.UpdateProjectSecret(ctx, projectID, func(p *store.Project) error {
		if len(p.NextSecretHash) > 0 {
			return ErrRotationInProgress
		}
		p.NextSecretHash = pepper.Hash(next)
		return nil
	})
	if err != nil {
		return "", err
	}
	return next, nil
}

// CompleteSecretRotation makes the next secret the project's only one.
func CompleteSecretRotation(ctx context.Context, st SecretStore, projectID string) error {
	_, err := st.UpdateProjectSecret(ctx, projectID, func(p *store.Project) error {
		if len(p.NextSecretHash) == 0 {
			return ErrNoRotation
		}
		p.SecretHash, p.NextSecretHash = p.NextSecretHash, nil
		return nil
	})
	return err
}

// CancelSecretRotation drops the next secret; the current one stays.
func CancelSecretRotation(ctx context.Context, st SecretStore, projectID string) error {
	_, err := st.UpdateProjectSecret(ctx, projectID, func(p *store.Project) error {
		if len(p.NextSecretHash) == 0 {
			return ErrNoRotation
		}
		p.NextSecretHash = nil
		return nil
	})
	return err
}
