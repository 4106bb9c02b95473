package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// Planner is a store that can be bulk-loaded and explains its user
// searches (*sqlstore.DB through either backend).
type Planner interface {
	store.Store
	SeedUsers(ctx context.Context, users []store.User) error
	Analyze(ctx context.Context) error
	ExplainSearchUsers(ctx context.Context, projectID string, q store.UserQuery) (count, rows string, err error)
}

// Plan is what the database plans for one search: its count and its
// first page.
type Plan struct{ Count, Rows string }

// SearchPlans fills a new project with n synthetic users (and another
// project with n/4, so the project filter matters), analyzes, and returns
// the plans of the searches users.search serves most, by name: "first
// page" (no filter), "full name fuzzy", "email fuzzy", "phone fuzzy",
// "email fuzzy common" (a value every user's email holds), "email". Each backend's test checks that its indexes serve them.
func SearchPlans(t *testing.T, s Planner, n int) map[string]Plan {
	t.Helper()
	p, other := newProject(t, s), newProject(t, s)
	t0 := now().Add(-time.Hour)
	must(t, s.SeedUsers(ctx(t), SyntheticUsers(p.ID, 0, n, t0)))
	must(t, s.SeedUsers(ctx(t), SyntheticUsers(other.ID, n, n/4, t0))) // IDs after the first set's
	must(t, s.Analyze(ctx(t)))
	probe := SyntheticUsers(p.ID, n/2, 1, t0)[0]
	f := func(field store.UserField, v string) store.UserQuery {
		return store.UserQuery{Filters: []store.UserFilter{{Field: field, Values: []string{v}}}}
	}
	plans := map[string]Plan{}
	for name, q := range map[string]store.UserQuery{
		"first page":      {},
		"full name fuzzy": f(store.UserByFullNameFuzzy, probe.Name.Last),
		"email fuzzy":     f(store.UserByEmailFuzzy, strings.ToLower(probe.Name.Last)+"."),
		"phone fuzzy":     f(store.UserByPhoneFuzzy, probe.Phone.Number[3:]),
		// Every user's email holds it.
		"email fuzzy common": f(store.UserByEmailFuzzy, "example.com"),
		"email":              f(store.UserByEmail, probe.Email.Address),
	} {
		count, rows, err := s.ExplainSearchUsers(ctx(t), p.ID, q)
		must(t, err)
		plans[name] = Plan{Count: count, Rows: rows}
	}
	return plans
}
