package storetest

import (
	"testing"

	"github.com/signet-id/signet/internal/store"
)

// textTests: a key that is not text (invalid UTF-8, or a NUL) finds
// nothing, as an unknown key does. SQLite compares such bytes; PostgreSQL
// refuses them as query parameters (SQLSTATE 22021), which the backend
// reports as store.ErrNotFound, since no row can hold such a key. (The
// API refuses such text before it reaches the store; this is the backstop.)
var textTests = []test{
	{"KeysThatAreNotTextFindNothing", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		p := newProject(t, s)
		for _, key := range []string{"\x00", "a\x00b", "\xff", "\xc0\x80", "\xed\xa0\x80"} {
			_, err := s.Project(ctx, key)
			wantErr(t, err, store.ErrNotFound)
			_, err = s.User(ctx, p.ID, key)
			wantErr(t, err, store.ErrNotFound)
			_, err = s.UserByEmail(ctx, p.ID, key+"@example.com")
			wantErr(t, err, store.ErrNotFound)
			_, err = s.M2MClient(ctx, p.ID, key)
			wantErr(t, err, store.ErrNotFound)
			_, err = s.ConnectedApp(ctx, p.ID, key)
			wantErr(t, err, store.ErrNotFound)
			_, err = s.Bank(ctx, p.ID, key)
			wantErr(t, err, store.ErrNotFound)
			_, err = s.BankVerification(ctx, key, now())
			wantErr(t, err, store.ErrNotFound)
		}
	}},
}
