package sqlite_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/store/storetest"
)

// TestSearchPlans checks that SQLite answers users.search from indexes on
// a project of 20,000 users: the first page walks users_created_at_idx in
// order (no sort), the fuzzy filters start from the users_search FTS5
// table (migration 0019) and read only the candidates' rows, an exact
// email uses its unique index, and no query scans the users table.
func TestSearchPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 25,000 users")
	}
	plans := storetest.SearchPlans(t, open(t, filepath.Join(t.TempDir(), "signet.db")), 20_000)
	fts := []string{"SCAN s VIRTUAL TABLE INDEX", "SEARCH u USING INDEX sqlite_autoindex_users_1 (project_id=? AND id=?)"}
	for name, want := range map[string]struct{ count, rows []string }{
		// Counting uses the narrowest index of the project's rows.
		"first page":      {[]string{"USING COVERING INDEX"}, []string{"SEARCH u USING INDEX users_created_at_idx (project_id=?)"}},
		"full name fuzzy": {fts, fts},
		"email fuzzy":     {fts, fts},
		"phone fuzzy":     {fts, fts},
		"email":           {[]string{"users_email_lower_key"}, []string{"users_email_lower_key"}},
		// A value in most rows: walking the project in order fills a page
		// sooner than reading every index match would.
		"email fuzzy common": {nil, []string{"SEARCH u USING INDEX users_created_at_idx (project_id=?)"}},
	} {
		p := plans[name]
		for _, q := range []struct {
			what, plan string
			want       []string
		}{{"count", p.Count, want.count}, {"page", p.Rows, want.rows}} {
			for _, w := range q.want {
				if !strings.Contains(q.plan, w) {
					t.Errorf("%s, %s: the plan lacks %q", name, q.what, w)
				}
			}
			if strings.Contains(q.plan, "SCAN u\n") {
				t.Errorf("%s, %s: the plan scans the users table", name, q.what)
			}
		}
		if (name == "first page" || name == "email fuzzy common") && strings.Contains(p.Rows, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("%s sorts instead of walking the index", name)
		}
		if name == "email fuzzy common" && strings.Contains(p.Rows, "VIRTUAL TABLE") {
			t.Errorf("a common value starts from the index")
		}
	}
	if t.Failed() {
		for name, p := range plans {
			t.Logf("%s\ncount:\n%spage:\n%s", name, p.Count, p.Rows)
		}
	}
}
