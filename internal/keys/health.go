package keys

import (
	"context"
	"fmt"
	"sort"
)

// Warm reads the keys of every project named into the cache, so the
// first requests find them parsed and Unreadable knows from the start
// which keys do not open.
func (m *Manager) Warm(ctx context.Context, projectIDs []string) error {
	for _, id := range projectIDs {
		if _, err := m.keySet(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// Unreadable reports the signing keys that do not open with the master
// key, as the latest read of each project's keys found them; nil when
// every key opens. Projects that had such keys are read again first when
// their cached view has expired, so a repaired project clears. Such keys
// are left out of every JWKS and never sign (load): the error is for
// readiness checks, which should report the instance as not ready.
func (m *Manager) Unreadable(ctx context.Context) error {
	var ids []string
	m.unreadable.Range(func(k, _ any) bool {
		ids = append(ids, k.(string))
		return true
	})
	if err := m.Warm(ctx, ids); err != nil {
		return err
	}
	e := &UnreadableError{Keys: map[string][]string{}}
	m.unreadable.Range(func(k, v any) bool {
		e.Keys[k.(string)] = v.([]string)
		return true
	})
	if len(e.Keys) == 0 {
		return nil
	}
	return e
}

// UnreadableError names the keys that do not open: project ID -> key IDs.
type UnreadableError struct {
	Keys map[string][]string
}

func (e *UnreadableError) Error() string {
	n := 0
	projects := make([]string, 0, len(e.Keys))
	for p, ks := range e.Keys {
		n += len(ks)
		projects = append(projects, p)
	}
	sort.Strings(projects)
	return fmt.Sprintf("%d signing key(s) of %d project(s) do not open with this master key (sealed under another key, or altered): %v",
		n, len(projects), projects)
}
