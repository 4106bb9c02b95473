package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/store"
)

// netConfig is where one OP instance listens and the URLs it publishes.
// serve and sandbox-bank both fill one.
type netConfig struct {
	Addr   string // plain HTTP listener
	Issuer string // public base URL; "" means http://<bound Addr>
	// MTLSAddr is the mutual-TLS listener (RFC 8705); "" for none.
	MTLSAddr   string
	MTLSIssuer string // its public base URL; "" means https://<bound MTLSAddr>
	// TLSCert and TLSKey are the mTLS listener's PEM files. Without them
	// and with DevCert set, a self-signed certificate is made (once) at
	// DevCert+".crt" / ".key".
	TLSCert, TLSKey string
	DevCert         string
}

// listeners are the bound sockets of one instance and the URLs derived
// from them (known only after binding when a port is 0).
type listeners struct {
	http       net.Listener
	mtls       net.Listener // nil without mTLS
	issuer     string
	mtlsBase   string // "" without mTLS
	serverCert string // path of the mTLS listener's certificate PEM, or ""
}

// listen binds the listeners of c.
func (c netConfig) listen(ctx context.Context) (*listeners, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", c.Addr, err)
	}
	l := &listeners{http: ln, issuer: c.Issuer}
	if l.issuer == "" {
		l.issuer = "http://" + ln.Addr().String()
	}
	if c.MTLSAddr == "" {
		return l, nil
	}
	cert, certFile, err := loadServerCert(c.TLSCert, c.TLSKey, c.DevCert, c.MTLSAddr)
	if err != nil {
		_ = ln.Close() // never served: nothing to lose, and err is the one to report
		return nil, err
	}
	mln, err := lc.Listen(ctx, "tcp", c.MTLSAddr)
	if err != nil {
		_ = ln.Close() // never served: nothing to lose, and err is the one to report
		return nil, fmt.Errorf("listen %s: %w", c.MTLSAddr, err)
	}
	l.mtls = tls.NewListener(mln, mtlsConfig(cert))
	l.serverCert = certFile
	l.mtlsBase = c.MTLSIssuer
	if l.mtlsBase == "" {
		l.mtlsBase = "https://" + mln.Addr().String()
	}
	return l, nil
}

// close releases listeners that were never served: they hold no
// connection, so closing cannot lose anything.
func (l *listeners) close() {
	_ = l.http.Close()
	if l.mtls != nil {
		_ = l.mtls.Close()
	}
}

// instance is one OP (or the dev mode's demo app), built and bound: its
// store (for the sweeper), its handler and its listeners.
type instance struct {
	name    string      // for logs: "signet", "sandbox-bank", "demo-app"
	st      store.Store // nil for the demo app
	handler http.Handler
	net     *listeners
	// auditRetention is how long audit events are kept (0: the default,
	// defaultAuditRetention); the sweeper purges older ones.
	auditRetention time.Duration
	// admin, if set, serves adminHandler (serve --admin-addr: metrics and
	// health for operators, apart from the public listener).
	admin        net.Listener
	adminHandler http.Handler
	// background is the server's background work (server.Server.Run:
	// back-channel logout deliveries), run until the instance stops; nil
	// for none.
	background func(context.Context)
}

// defaultAuditRetention is serve --audit-retention's default: 90 days.
const defaultAuditRetention = 90 * 24 * time.Hour

// serve runs the instance until ctx ends, then shuts it down gracefully.
// It is the one place that serves HTTP: serve, sandbox-bank and the dev
// mode's instances (Signet, the sandbox bank, the demo app) all come here.
func (in *instance) serve(ctx context.Context) error {
	if in.st != nil { // the demo app has no store
		retention := in.auditRetention
		if retention == 0 {
			retention = defaultAuditRetention
		}
		go sweep(ctx, in.st, time.Minute, retention)
	}
	if in.background != nil {
		go in.background(ctx)
	}
	newServer := func(h http.Handler) *http.Server {
		return &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
		}
	}
	type bound struct {
		srv *http.Server
		ln  net.Listener
	}
	all := []bound{{newServer(in.handler), in.net.http}}
	slog.Info(in.name+" listening", "addr", in.net.http.Addr().String(), "issuer", in.net.issuer)
	if in.net.mtls != nil {
		// The same handler; the listener's TLS config asks for client
		// certificates, which clientauth and the token checks read.
		all = append(all, bound{newServer(in.handler), in.net.mtls})
		slog.Info(in.name+" mTLS listening", "addr", in.net.mtls.Addr().String(), "base_url", in.net.mtlsBase)
	}
	if in.admin != nil {
		all = append(all, bound{newServer(in.adminHandler), in.admin})
		slog.Info(in.name+" admin listening", "addr", in.admin.Addr().String())
	}
	errc := make(chan error, len(all))
	for _, b := range all {
		go func() { errc <- b.srv.Serve(b.ln) }()
	}
	select {
	case err := <-errc:
		for _, b := range all {
			_ = b.srv.Close() // err is why we stop, and the one to report
		}
		return fmt.Errorf("%s: %w", in.name, err)
	case <-ctx.Done():
	}
	slog.Info(in.name + " shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, b := range all {
		if err := b.srv.Shutdown(shutCtx); err != nil {
			return fmt.Errorf("%s: shutdown: %w", in.name, err)
		}
	}
	for range all {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("%s: %w", in.name, err)
		}
	}
	return nil
}

// serveAll serves several instances in one process; the first to fail
// stops the others.
func serveAll(ctx context.Context, ins ...*instance) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(ins))
	for _, in := range ins {
		go func() {
			err := in.serve(ctx)
			cancel()
			errc <- err
		}()
	}
	var first error
	for range ins {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// sweep removes expired records, and audit events older than
// auditRetention, every interval so storage stops growing. Every node
// sharing a database sweeps; the deletes are idempotent and cheap (each
// on an index of its expiry).
func sweep(ctx context.Context, st store.Store, every, auditRetention time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			sweepOnce(ctx, st, now, auditRetention)
		}
	}
}

func sweepOnce(ctx context.Context, st store.Store, now time.Time, auditRetention time.Duration) {
	n, err := st.Sweep(ctx, now)
	if err != nil {
		slog.Warn("sweep failed", "err", err)
	} else if n > 0 {
		slog.Debug("swept expired records", "count", n)
	}
	n, err = audit.Purge(ctx, st, now, auditRetention)
	if err != nil {
		slog.Warn("audit purge failed", "err", err)
	} else if n > 0 {
		slog.Debug("purged audit events past their retention", "count", n, "retention", auditRetention)
	}
}
