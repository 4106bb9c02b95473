package projects_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/testdb"
)

// A project's secret rotates like a client's: start adds a next secret
// beside the current one, complete keeps only it, cancel drops it; a
// second start while one is under way is refused.
func TestSecretRotation(t *testing.T) {
	ctx := t.Context()
	st := testdb.Open(t)
	pepper := secrets.NewPepper(bytes.Repeat([]byte{7}, 32))
	p, old, err := projects.Create(ctx, st, keys.NewManager(st, keys.GenerateMasterKey(), keys.Options{}), pepper, "P", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	works := func(secret string) bool {
		t.Helper()
		got, err := st.Project(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return pepper.Equal(got.SecretHash, secret) || pepper.Equal(got.NextSecretHash, secret)
	}
	if err := projects.CompleteSecretRotation(ctx, st, p.ID); !errors.Is(err, projects.ErrNoRotation) {
		t.Errorf("complete with none started: %v", err)
	}
	if err := projects.CancelSecretRotation(ctx, st, p.ID); !errors.Is(err, projects.ErrNoRotation) {
		t.Errorf("cancel with none started: %v", err)
	}

	dropped, err := projects.StartSecretRotation(ctx, st, pepper, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := projects.CancelSecretRotation(ctx, st, p.ID); err != nil {
		t.Fatal(err)
	}
	if !works(old) || works(dropped) {
		t.Error("after cancel: want the old secret only")
	}

	next, err := projects.StartSecretRotation(ctx, st, pepper, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !works(old) || !works(next) || next == old {
		t.Error("during the rotation: want both secrets")
	}
	if _, err := projects.StartSecretRotation(ctx, st, pepper, p.ID); !errors.Is(err, projects.ErrRotationInProgress) {
		t.Errorf("second start: %v", err)
	}
	if !works(next) {
		t.Error("a refused start replaced the next secret")
	}
	if err := projects.CompleteSecretRotation(ctx, st, p.ID); err != nil {
		t.Fatal(err)
	}
	if works(old) || !works(next) {
		t.Error("after complete: want the new secret only")
	}
}
