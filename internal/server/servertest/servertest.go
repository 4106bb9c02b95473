// Package servertest serves a whole Signet in process for the tests of
// packages that talk to it as a client would (the demo app, the
// examples): a fresh store (SQLite, or Postgres under
// SIGNET_TEST_POSTGRES), one project, the bank registry, on a loopback
// httptest server. It is for tests only. (Package server's own tests have
// their own, as they cannot import this package.)
package servertest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/server"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testdb"
)

// Signet is a running server with one project. URL is its issuer.
type Signet struct {
	*httptest.Server
	Store             store.Store
	ProjectID, Secret string
}

// New starts a Signet that t's cleanup stops.
func New(t testing.TB) *Signet {
	t.Helper()
	st := testdb.Open(t)
	mk := keys.GenerateMasterKey()
	km := keys.NewManager(st, mk, keys.Options{})
	pepper := secrets.NewPepper(mk.Derive("test pepper"))
	p, secret, err := projects.Create(context.Background(), st, km, pepper, "Test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(nil)
	t.Cleanup(hs.Close)
	hs.Config.Handler = server.New(server.Config{Issuer: hs.URL, Store: st, Keys: km, Pepper: pepper, BankSealer: banks.NewSealer(mk)})
	return &Signet{Server: hs, Store: st, ProjectID: p.ID, Secret: secret}
}
