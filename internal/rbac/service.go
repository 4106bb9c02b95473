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
	cache map[string]cached               // project ID -> its compiled policy
	orgs  map[string]map[string]cachedOrg // project ID -> organization ID -> its policy
}

type cachedOrg struct {
	p  OrgPolicy
	at time.Time
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
	return &Service{store: st, now: now, cache: make(map[string]cached), orgs: make(map[string]map[string]cachedOrg)}
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

// Cached returns the policy of project id when this node holds a fresh
// copy, so a caller with only the ID (the authorization endpoint) reads
// no project on the hot path.
func (s *Service) Cached(id string) (*Compiled, bool) {
	s.mu.Lock()
	e, ok := s.cache[id]
	s.mu.Unlock()
	if !ok || s.now().Sub(e.at) >= CacheTTL {
		return nil, false
	}
	return e.c, true
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
		clear(s.orgs)
		return
	}
	delete(s.cache, id)
	delete(s.orgs, id)
}

// OrgPolicy returns the policy of organization orgID of project p (its
// custom roles; none when it never had any). The caller has checked that
// the organization is p's.
func (s *Service) OrgPolicy(ctx context.Context, p store.Project, orgID string) (OrgPolicy, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.orgs[p.ID][orgID]
	s.mu.Unlock()
	if ok && now.Sub(e.at) < CacheTTL {
		return e.p, nil
	}
	var org OrgPolicy
	rec, err := s.store.RBACPolicy(ctx, p.ID, orgID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		org = OrgPolicy{Roles: []Role{}}
	case err != nil:
		return OrgPolicy{}, err
	default:
		// Stored after ParseOrg; only its shape is read again here: a
		// role whose resource the project policy dropped since grants
		// nothing of it (WithOrg), and stays visible to be fixed.
		if err := json.Unmarshal(rec.Document, &org); err != nil {
			return OrgPolicy{}, fmt.Errorf("rbac: stored policy of organization %s: %w", orgID, err)
		}
		if org.Roles == nil {
			org.Roles = []Role{}
		}
	}
	s.mu.Lock()
	if s.orgs[p.ID] == nil {
		s.orgs[p.ID] = make(map[string]cachedOrg)
	}
	s.orgs[p.ID][orgID] = cachedOrg{p: org, at: now}
	s.mu.Unlock()
	return org, nil
}

// PolicyIn returns the policy that answers checks of members of
// organization orgID: the project's roles and the organization's own.
func (s *Service) PolicyIn(ctx context.Context, p store.Project, orgID string) (*Compiled, error) {
	c, err := s.Policy(ctx, p)
	if err != nil {
		return nil, err
	}
	org, err := s.OrgPolicy(ctx, p, orgID)
	if err != nil {
		return nil, err
	}
	return c.WithOrg(org), nil
}

// SetOrgPolicy validates doc against p's policy and, only if it is
// valid, replaces the custom roles of organization orgID with it.
func (s *Service) SetOrgPolicy(ctx context.Context, p store.Project, orgID string, doc []byte) (OrgPolicy, error) {
	c, err := s.Policy(ctx, p)
	if err != nil {
		return OrgPolicy{}, err
	}
	org, err := ParseOrg(doc, c)
	if err != nil {
		return OrgPolicy{}, err
	}
	canonical, err := json.Marshal(org)
	if err != nil {
		return OrgPolicy{}, err
	}
	if err := s.store.SetRBACPolicy(ctx, store.RBACPolicyRecord{
		ProjectID: p.ID, OrganizationID: orgID, Document: canonical, UpdatedAt: store.Now(s.now),
	}); err != nil {
		return OrgPolicy{}, err
	}
	s.Forget(p.ID)
	return org, nil
}

func vertical(p store.Project) string {
	if p.Vertical == store.VerticalB2B {
		return B2B
	}
	return Consumer
}
