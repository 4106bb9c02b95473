package apps

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// connectedReaderFunc is a hand-written ConnectedReader.
type connectedReaderFunc func(ctx context.Context, projectID, clientID string) (store.ConnectedApp, error)

func (f connectedReaderFunc) ConnectedApp(ctx context.Context, projectID, clientID string) (store.ConnectedApp, error) {
	return f(ctx, projectID, clientID)
}

func TestConnectedClientsCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	reads, name := 0, "v1"
	var during func()
	st := connectedReaderFunc(func(_ context.Context, projectID, id string) (store.ConnectedApp, error) {
		reads++
		if projectID != "" {
			t.Errorf("read with project %q; want by ID alone", projectID)
		}
		if id != "c1" {
			return store.ConnectedApp{}, store.ErrNotFound
		}
		c := store.ConnectedApp{ClientID: id, Name: name}
		if during != nil {
			during()
			during = nil
		}
		return c, nil
	})
	pepper := secrets.NewPepper(bytes.Repeat([]byte{3}, 32))
	c := NewConnectedClients(st, pepper, 5*time.Second, func() time.Time { return now })
	ctx := context.Background()
	steps := []struct {
		name      string
		do        func()
		wantName  string
		wantReads int
	}{
		{name: "first read goes to the store", wantName: "v1", wantReads: 1},
		{name: "then from memory", do: func() { name = "v2" }, wantName: "v1", wantReads: 1},
		{name: "re-read after the TTL", do: func() { now = now.Add(5 * time.Second) }, wantName: "v2", wantReads: 2},
		{name: "Forget makes the next read fresh", do: func() { name = "v3"; c.Forget("c1") }, wantName: "v3", wantReads: 3},
		{name: "a write racing a read is not cached stale", do: func() {
			c.Forget("c1")
			during = func() { name = "v4"; c.Forget("c1") }
		}, wantName: "v3", wantReads: 4},
		{name: "so the next read goes to the store again", wantName: "v4", wantReads: 5},
	}
	for _, s := range steps {
		if s.do != nil {
			s.do()
		}
		got, err := c.Lookup(ctx, "c1")
		if err != nil || got.Name != s.wantName || reads != s.wantReads {
			t.Fatalf("%s: got %q, %v after %d reads; want %q after %d", s.name, got.Name, err, reads, s.wantName, s.wantReads)
		}
	}
	for range 2 {
		if _, err := c.Lookup(ctx, "c2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown client: %v", err)
		}
	}
	if reads != 7 {
		t.Errorf("unknown client read %d times, want every time", reads-5)
	}
}

func TestAuthenticate(t *testing.T) {
	pepper := secrets.NewPepper(bytes.Repeat([]byte{3}, 32))
	c := NewConnectedClients(nil, pepper, time.Second, nil)
	cur, next := secrets.New(""), secrets.New("")
	tests := []struct {
		name   string
		app    store.ConnectedApp
		secret string
		want   bool
	}{
		{"current", store.ConnectedApp{Type: TypeThirdParty, SecretHash: pepper.Hash(cur)}, cur, true},
		{"wrong", store.ConnectedApp{Type: TypeThirdParty, SecretHash: pepper.Hash(cur)}, next, false},
		{"empty", store.ConnectedApp{Type: TypeThirdParty, SecretHash: pepper.Hash("")}, "", false},
		{"mid-rotation current", store.ConnectedApp{Type: TypeFirstParty, SecretHash: pepper.Hash(cur), NextSecretHash: pepper.Hash(next)}, cur, true},
		{"mid-rotation next", store.ConnectedApp{Type: TypeFirstParty, SecretHash: pepper.Hash(cur), NextSecretHash: pepper.Hash(next)}, next, true},
		{"public never", store.ConnectedApp{Type: TypeThirdPartyPublic, SecretHash: pepper.Hash(cur)}, cur, false},
	}
	for _, tt := range tests {
		if got := c.Authenticate(tt.app, tt.secret); got != tt.want {
			t.Errorf("%s: Authenticate = %v, want %v", tt.name, got, tt.want)
		}
	}
}
