// Package servertest serves a whole Signet in process for the tests of
// packages that talk to it as a client would (the hosted pages, the token
// endpoint, the demo app, the examples): a fresh store (SQLite, or Postgres
// under SIGNET_TEST_POSTGRES), one project, the bank registry, on a loopback
// httptest server, plain or TLS. It is for tests only. (Package server's
// own tests have their own, as they cannot import this package.)
package servertest

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http/httptest"
	"strings"
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
	DSN               string // the database, for a second node on it
	MasterKey         keys.MasterKey
	Keys              *keys.Manager
	Pepper            secrets.Pepper
	ProjectID, Secret string
}

// Options adjust Start. The zero value is what New uses.
type Options struct {
	// Now is the server's clock, the key manager's and the project's
	// creation time (time.Now when nil).
	Now func() time.Time
	// DSN is the database (a fresh one from testdb when ""). Tests that
	// start more nodes on one database name it, and open it themselves.
	DSN string
	// MasterKey seals the project's keys (a fresh one when nil).
	MasterKey *keys.MasterKey
	// TLS serves over TLS with this configuration (client certificates,
	// say); the issuer is then https.
	TLS *tls.Config
	// Configure adjusts the server's configuration before it is built.
	Configure func(*server.Config)
}

// New starts a Signet that t's cleanup stops.
func New(t testing.TB) *Signet { return Start(t, Options{}) }

// Start starts a Signet configured by o that t's cleanup stops.
func Start(t testing.TB, o Options) *Signet {
	t.Helper()
	now := o.Now
	if now == nil {
		now = time.Now
	}
	s := &Signet{DSN: o.DSN}
	if s.DSN == "" {
		s.DSN = testdb.DSN(t)
	}
	if o.MasterKey != nil {
		s.MasterKey = *o.MasterKey
	} else {
		s.MasterKey = keys.GenerateMasterKey()
	}
	s.Store = testdb.OpenDSN(t, s.DSN)
	s.Keys = keys.NewManager(s.Store, s.MasterKey, keys.Options{Now: o.Now})
	s.Pepper = secrets.NewPepper(s.MasterKey.Derive("signet/pepper/v1"))
	p, secret, err := projects.Create(t.Context(), s.Store, s.Keys, s.Pepper, "Test", now())
	if err != nil {
		t.Fatal(err)
	}
	s.ProjectID, s.Secret = p.ID, secret
	s.Server = Serve(t, o.TLS, func(c *server.Config) {
		c.Store, c.Keys, c.Pepper, c.Now, c.BankSealer = s.Store, s.Keys, s.Pepper, o.Now, banks.NewSealer(s.MasterKey)
		if o.Configure != nil {
			o.Configure(c)
		}
	})
	return s
}

// Serve starts a server built from the configuration configure fills in,
// on a loopback httptest server (TLS when tlsConfig is not nil) that t's
// cleanup stops. The configuration's Issuer starts as the server's URL;
// configure may change it (another node of one issuer, say).
func Serve(t testing.TB, tlsConfig *tls.Config, configure func(*server.Config)) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	scheme := "http://"
	if tlsConfig != nil {
		scheme = "https://"
	}
	// The access lines go to the test's log only when it fails or -v.
	cfg := server.Config{Issuer: scheme + ts.Listener.Addr().String(), Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))}
	configure(&cfg)
	srv := server.New(cfg)
	ts.Config.Handler = srv
	// Its background work (back-channel logout deliveries) until the test
	// ends.
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	if tlsConfig != nil {
		ts.TLS = tlsConfig
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	return ts
}

// testWriter writes the server's log lines to t's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
