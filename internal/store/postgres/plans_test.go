package postgres_test

import (
	"os"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/store/storetest"
)

// TestSearchPlans checks that PostgreSQL answers users.search from
// indexes on a project of 60,000 users (fewer, and its planner rightly prefers a scan): the first page from
// users_created_at_idx, the fuzzy filters from the pg_trgm GIN indexes
// (migration 0019), an exact email from its unique index; no sequential
// scan of users except the bounded count of an unfiltered search.
func TestSearchPlans(t *testing.T) {
	base := os.Getenv(envURL)
	if base == "" {
		t.Skip(envURL + " is not set")
	}
	if testing.Short() {
		t.Skip("seeds 75,000 users")
	}
	plans := storetest.SearchPlans(t, newSchemaPool(t, base).open(t).(storetest.Planner), 60_000)
	for name, want := range map[string][]string{
		"first page":      {"users_created_at_idx"},
		"full name fuzzy": {"users_full_name_trgm"},
		"email fuzzy":     {"users_email_trgm"},
		"phone fuzzy":     {"users_phone_trgm"},
		"email":           {"users_email_lower_key"},
	} {
		p := plans[name]
		if name == "first page" {
			// Counting a project that holds most of the table, the
			// planner rightly reads the heap in order until the bound:
			// what matters is that the bound is there.
			if !strings.Contains(p.Count, "Limit") {
				t.Errorf("first page, count: not bounded")
			}
			p.Count = ""
		}
		for _, q := range []struct{ what, plan string }{{"count", p.Count}, {"page", p.Rows}} {
			if q.plan == "" {
				continue
			}
			for _, w := range want {
				if !strings.Contains(q.plan, w) {
					t.Errorf("%s, %s: the plan does not use %s", name, q.what, w)
				}
			}
			if strings.Contains(q.plan, "Seq Scan on users") {
				t.Errorf("%s, %s: the plan scans users", name, q.what)
			}
		}
	}
	if t.Failed() {
		for name, p := range plans {
			t.Logf("%s\ncount:\n%spage:\n%s", name, p.Count, p.Rows)
		}
	}
}
