package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Readiness (GET /readyz) says whether this node can serve: the database
// answers (Ping, on every call) and still takes writes (ProbeWrite, at
// most once per writeProbeEvery, the result kept meanwhile). A database
// that reads but cannot write — a full disk, a read-only file or standby,
// a write lock held elsewhere — fails every sign-in, token and change, so
// the node is not ready either. Nor is it when Config.Ready reports a
// fault (the composition root's checks: the database's master key is no
// longer this node's, a signing key does not open); its error is the
// reason then, since the operator must read what to fix.
const (
	// readyTimeout bounds the whole check: load balancers and Kubernetes
	// give a probe about a second.
	readyTimeout = time.Second
	// writeProbeEvery spaces the write probes: each is a real commit, and
	// a node behind a load balancer is probed every few seconds.
	writeProbeEvery = 5 * time.Second
)

// Reasons a node is not ready, the body's "reason".
const (
	reasonUnreachable = "database_unreachable" // Ping failed
	reasonNotWritable = "database_not_writable"
)

// writeProbe caches the last write probe. Concurrent checks do not stack
// up probes: while one runs, the others use the last result (before the
// first has ended, none: they go by Ping alone).
type writeProbe struct {
	mu      sync.Mutex
	at      time.Time // when the last probe ended; zero before the first
	err     error
	running bool
}

// check returns the last probe's result when it is fresh or another probe
// is running, and otherwise probes now.
func (p *writeProbe) check(now time.Time, probe func() error) error {
	p.mu.Lock()
	if p.running || (!p.at.IsZero() && now.Sub(p.at) < writeProbeEvery) {
		err := p.err
		p.mu.Unlock()
		return err
	}
	p.running = true
	p.mu.Unlock()

	err := probe()

	p.mu.Lock()
	p.at, p.err, p.running = now, err, false
	p.mu.Unlock()
	return err
}

// ready is Config.Ready, if any.
func (s *Server) ready(ctx context.Context) error {
	if s.cfg.Ready == nil {
		return nil
	}
	return s.cfg.Ready(ctx)
}

type readiness struct {
	Status string `json:"status"`           // "ready" or "unavailable"
	Reason string `json:"reason,omitempty"` // why not ready: a reason* code, or Config.Ready's error
}

// readyz answers 200 {"status":"ready"} or 503 {"status":"unavailable",
// "reason": ...}. The checks run on a context of their own: a caller
// hanging up must not leave a failed probe cached.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), readyTimeout)
	defer cancel()
	status, body := http.StatusOK, readiness{Status: "ready"}
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.cfg.Logger.Warn("readiness check failed", "reason", reasonUnreachable, "err", err)
		status, body = http.StatusServiceUnavailable, readiness{Status: "unavailable", Reason: reasonUnreachable}
	} else if err := s.writeProbe.check(s.cfg.Now(), func() error { return s.cfg.Store.ProbeWrite(ctx) }); err != nil {
		s.cfg.Logger.Warn("readiness check failed", "reason", reasonNotWritable, "err", err)
		status, body = http.StatusServiceUnavailable, readiness{Status: "unavailable", Reason: reasonNotWritable}
	} else if err := s.ready(ctx); err != nil {
		s.cfg.Logger.Warn("readiness check failed", "err", err)
		status, body = http.StatusServiceUnavailable, readiness{Status: "unavailable", Reason: err.Error()}
	}
	b, _ := json.Marshal(body) // two strings always marshal
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}
