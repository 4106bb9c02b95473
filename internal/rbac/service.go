package rbac

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// CacheTTL bounds how long a node answers checks from a policy another
// node has replaced, should the change announcement (store.Changes) be
// lost; the node that writes, and every node that hears the announcement,
// drop their copy at once.
const CacheTTL = 30 * time.Second

// Service keeps projects' policies: it reads them through a per-node
// cache and replaces them whole after Parse accepted them.
type Service struct {
	store store.RBACPolicies
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]cached // project ID -> its compiled policy
}

type cached struct {
	c        *Compiled
	vertical string
	at       time.Time
}

// NewService returns a Service on st; now is the clock (time.Now when nil).
func NewService(st store.RBACPolicies, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, now: now, cache: make(map[string]cached)}
}

// Policy returns the policy of project p: the one stored, or its
// vertical's default when none was ever set.
func (s *Service) Policy(ctx context.Context, p store.Project) (*Compiled, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.cache[p.ID]
	s.mu.Unlock()
	if ok && e.vertical == p.Vertical && now.Sub(e.at) < CacheTTL {
		return e.c, nil
	}
	c, err := s.load(ctx, p)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cache[p.ID] = cached{c: c, vertical: p.Vertical, at: now}
	s.mu.Unlock()
	return c, nil
}

func (s *Service) load(ctx context.Context, p store.Project) (*Compiled, error) {
	rec, err := s.store.RBACPolicy(ctx, p.ID, "")
	if errors.Is(err, store.ErrNotFound) {
		return Compile(Default(vertical(p))), nil
	}
	if err != nil {
		return nil, err
	}
	// What was stored passed Parse; a document that no longer parses (a
	// rule tightened since) is a fault to fix, not a policy to guess at.
	pol, err := Parse(rec.Document, vertical(p))
	if err != nil {
		return nil, fmt.Errorf("rbac: stored policy of %s: %w", p.ID, err)
	}
	return Compile(pol), nil
}

// SetPolicy validates doc as a whole for p's vertical and, only if it is
// valid, replaces p's policy with it. An *InvalidError says what is wrong.
func (s *Service) SetPolicy(ctx context.Context, p store.Project, doc []byte) (*Compiled, error) {
	pol, err := Parse(doc, vertical(p))
	if err != nil {
		return nil, err
	}
	// Store the canonical form: what GET returns is what checks use.
	canonical, err := json.Marshal(pol)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetRBACPolicy(ctx, store.RBACPolicyRecord{
		ProjectID: p.ID, Document: canonical, UpdatedAt: store.Now(s.now),
	}); err != nil {
		return nil, err
	}
	s.Forget(p.ID)
	return Compile(pol), nil
}

// Forget drops the cached policy of project id ("" drops every one): the
// store.TopicRBACPolicy subscriber.
func (s *Service) Forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		clear(s.cache)
		return
	}
	delete(s.cache, id)
}

func vertical(p store.Project) string {
	if p.Vertical == store.VerticalB2B {
		return B2B
	}
	return Consumer
}
