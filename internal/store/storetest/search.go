package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// searchFixture creates five users a minute apart (u[0] oldest) that
// differ in every searchable field, plus a user of another project that
// must never show up.
func searchFixture(t *testing.T, s store.Store) (store.Project, []store.User, time.Time) {
	t.Helper()
	p, other := newProject(t, s), newProject(t, s)
	t0 := now().Add(-time.Hour)
	spec := []struct {
		status   string
		name     store.Name
		email    string
		verified bool
		phone    string
		phoneOK  bool
		password bool
	}{
		{"active", store.Name{First: "Ada", Last: "Lovelace"}, "ada@example.com", true, "+15550000001", false, true},
		{"pending", store.Name{First: "Grace", Middle: "Brewster", Last: "Hopper"}, "Grace.Hopper@Navy.mil", false, "", false, false},
		{"active", store.Name{First: "Alan", Last: "Turing"}, "", false, "+15550000002", true, true},
		{"active", store.Name{First: "Alan", Last: "Kay"}, "alan@example.org", true, "+442079460000", false, false},
		// LIKE wildcards in the data: a fuzzy search for "_" or "%" must
		// match them literally.
		{"active", store.Name{First: "Edsger"}, "x_y%z@example.com", false, "", false, false},
	}
	users := make([]store.User, len(spec))
	for i, sp := range spec {
		u := store.User{
			ID: newID("user"), ProjectID: p.ID, Status: sp.status, Name: sp.name,
			CreatedAt: t0.Add(time.Duration(i) * time.Minute), UpdatedAt: t0,
		}
		if sp.email != "" {
			u.Email = &store.Email{ID: newID("email"), Address: sp.email, Verified: sp.verified}
		}
		if sp.phone != "" {
			u.Phone = &store.Phone{ID: newID("phone-number"), Number: sp.phone, Verified: sp.phoneOK}
		}
		if sp.password {
			u.Password = &store.Password{ID: newID("password"), Hash: "h", CreatedAt: t0}
		}
		users[i] = createUser(t, s, u)
	}
	stranger := newUser(other.ID)
	stranger.Email.Address = "ada@example.com"
	stranger.CreatedAt = t0.Add(90 * time.Second)
	createUser(t, s, stranger)
	return p, users, t0
}

var searchTests = []test{
	{"Filters", func(t *testing.T, s store.Store) {
		p, u, t0 := searchFixture(t, s)
		f := func(field store.UserField, values ...string) store.UserFilter {
			return store.UserFilter{Field: field, Values: values}
		}
		is := func(field store.UserField, b bool) store.UserFilter { return store.UserFilter{Field: field, Bool: b} }
		at := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Minute))) }
		for _, tc := range []struct {
			name    string
			or      bool
			filters []store.UserFilter
			want    []int // indexes into u, oldest first
		}{
			{"no filter", false, nil, []int{0, 1, 2, 3, 4}},
			{"status", false, []store.UserFilter{f(store.UserByStatus, "pending")}, []int{1}},
			{"user IDs", false, []store.UserFilter{f(store.UserByID, u[3].ID, u[1].ID)}, []int{1, 3}},
			{"empty values match nothing", false, []store.UserFilter{f(store.UserByID)}, nil},
			{"email ignores case", false, []store.UserFilter{f(store.UserByEmail, "GRACE.hopper@navy.MIL", "nobody@example.com")}, []int{1}},
			{"email ID", false, []store.UserFilter{f(store.UserByEmailID, u[3].Email.ID)}, []int{3}},
			{"email fuzzy", false, []store.UserFilter{f(store.UserByEmailFuzzy, "EXAMPLE.")}, []int{0, 3, 4}},
			{"email fuzzy underscore is literal", false, []store.UserFilter{f(store.UserByEmailFuzzy, "_")}, []int{4}},
			{"email fuzzy percent is literal", false, []store.UserFilter{f(store.UserByEmailFuzzy, "%z@")}, []int{4}},
			{"phone", false, []store.UserFilter{f(store.UserByPhone, "+15550000002")}, []int{2}},
			{"phone ID", false, []store.UserFilter{f(store.UserByPhoneID, u[0].Phone.ID)}, []int{0}},
			{"phone fuzzy", false, []store.UserFilter{f(store.UserByPhoneFuzzy, "555000")}, []int{0, 2}},
			{"full name fuzzy across parts", false, []store.UserFilter{f(store.UserByFullNameFuzzy, "brewster HOP")}, []int{1}},
			{"full name fuzzy without middle", false, []store.UserFilter{f(store.UserByFullNameFuzzy, "ada lovelace")}, []int{0}},
			{"full name fuzzy substring", false, []store.UserFilter{f(store.UserByFullNameFuzzy, "LAN")}, []int{2, 3}},
			{"created after", false, []store.UserFilter{{Field: store.UserByCreatedAfter, From: at(1.5)}}, []int{2, 3, 4}},
			{"created before", false, []store.UserFilter{{Field: store.UserByCreatedBefore, To: at(1.5)}}, []int{0, 1}},
			{"created between", false, []store.UserFilter{{Field: store.UserByCreatedBetween, From: at(0.5), To: at(3.5)}}, []int{1, 2, 3}},
			{"email verified", false, []store.UserFilter{is(store.UserByEmailVerified, true)}, []int{0, 3}},
			{"email not verified", false, []store.UserFilter{is(store.UserByEmailVerified, false)}, []int{1, 4}},
			{"phone verified", false, []store.UserFilter{is(store.UserByPhoneVerified, true)}, []int{2}},
			{"phone not verified", false, []store.UserFilter{is(store.UserByPhoneVerified, false)}, []int{0, 3}},
			{"password exists", false, []store.UserFilter{is(store.UserByPasswordExists, true)}, []int{0, 2}},
			{"no password", false, []store.UserFilter{is(store.UserByPasswordExists, false)}, []int{1, 3, 4}},
			{"AND", false, []store.UserFilter{f(store.UserByStatus, "active"), is(store.UserByEmailVerified, true), f(store.UserByFullNameFuzzy, "alan")}, []int{3}},
			{"OR", true, []store.UserFilter{is(store.UserByPhoneVerified, true), f(store.UserByStatus, "pending"), f(store.UserByEmailFuzzy, "%")}, []int{1, 2, 4}},
			{"OR with nothing matching", true, []store.UserFilter{f(store.UserByID), f(store.UserByEmail, "nobody@example.com")}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := s.SearchUsers(ctx(t), p.ID, store.UserQuery{Or: tc.or, Filters: tc.filters})
				must(t, err)
				var want []store.User
				for _, i := range tc.want {
					want = append(want, u[i])
				}
				equal(t, res, store.UserResult{Users: want, Total: len(want)})
			})
		}
	}},
	{"FuzzyFollowsWrites", func(t *testing.T, s store.Store) {
		// The substring indexes (migration 0019) change with the user in
		// the same transaction: a rename, a new email, a delete.
		p := newProject(t, s)
		u := newUser(p.ID)
		u.Name = store.Name{First: "Ada", Last: `O"Lovelace`}
		u.Email.Address = "ada.lovelace@example.com"
		u = createUser(t, s, u)
		find := func(field store.UserField, v string) []string {
			t.Helper()
			res, err := s.SearchUsers(ctx(t), p.ID, store.UserQuery{Filters: []store.UserFilter{{Field: field, Values: []string{v}}}})
			must(t, err)
			var ids []string
			for _, u := range res.Users {
				ids = append(ids, u.ID)
			}
			return ids
		}
		want := func(what string, got []string, found bool) {
			t.Helper()
			if found != (len(got) == 1 && got[0] == u.ID) || len(got) > 1 {
				t.Errorf("%s: got %v, want found = %v", what, got, found)
			}
		}
		want("name with a quote", find(store.UserByFullNameFuzzy, `A O"LOVE`), true)
		want("email", find(store.UserByEmailFuzzy, "lovelace@"), true)
		_, err := s.UpdateUser(ctx(t), p.ID, u.ID, func(v *store.User) error {
			v.Name = store.Name{First: "Augusta", Last: "Byron"}
			v.Email.Address = "augusta@example.org"
			return nil
		})
		must(t, err)
		want("old name after rename", find(store.UserByFullNameFuzzy, "lovelace"), false)
		want("new name", find(store.UserByFullNameFuzzy, "gusta byr"), true)
		want("old email after change", find(store.UserByEmailFuzzy, "lovelace@"), false)
		want("new email", find(store.UserByEmailFuzzy, "augusta@example.o"), true)
		must(t, s.DeleteUser(ctx(t), p.ID, u.ID, time.Now()))
		want("after delete", find(store.UserByFullNameFuzzy, "byron"), false)
	}},
	{"UnknownFilter", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		_, err := s.SearchUsers(ctx(t), p.ID, store.UserQuery{Filters: []store.UserFilter{{Field: "favourite_colour", Values: []string{"blue"}}}})
		if err == nil {
			t.Fatal("unknown filter accepted")
		}
	}},
	{"Pagination", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		var all []store.User
		for i := range 8 {
			u := newUser(p.ID)
			// Pairs share a creation time, so the ID must break ties
			// for the order to be total and no row to be skipped.
			u.CreatedAt = t0.Add(time.Duration(i/2) * time.Second)
			all = append(all, createUser(t, s, u))
		}
		slices.SortFunc(all, func(a, b store.User) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return compareStrings(a.ID, b.ID)
		})
		var got []store.User
		cursor := ""
		for page := 0; ; page++ {
			res, err := s.SearchUsers(ctx(t), p.ID, store.UserQuery{Page: store.Page{Cursor: cursor, Limit: 3}})
			must(t, err)
			equal(t, res.Total, len(all))
			if wantLen := min(3, len(all)-3*page); len(res.Users) != wantLen {
				t.Fatalf("page %d: %d users, want %d", page, len(res.Users), wantLen)
			}
			got = append(got, res.Users...)
			if res.NextCursor == "" {
				break
			}
			cursor = res.NextCursor
		}
		equal(t, got, all)
	}},
	{"PaginationWithFilter", func(t *testing.T, s store.Store) {
		p, u, _ := searchFixture(t, s)
		q := store.UserQuery{Filters: []store.UserFilter{{Field: store.UserByStatus, Values: []string{"active"}}}, Page: store.Page{Limit: 2}}
		first, err := s.SearchUsers(ctx(t), p.ID, q)
		must(t, err)
		equal(t, first.Users, []store.User{u[0], u[2]})
		equal(t, first.Total, 4)
		q.Cursor = first.NextCursor
		second, err := s.SearchUsers(ctx(t), p.ID, q)
		must(t, err)
		equal(t, second, store.UserResult{Users: []store.User{u[3], u[4]}, Total: 4})
	}},
	{"DefaultLimit", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		for range 101 {
			u := store.User{ID: newID("user"), ProjectID: p.ID, Status: "active", CreatedAt: now(), UpdatedAt: now()}
			createUser(t, s, u)
		}
		res, err := s.SearchUsers(ctx(t), p.ID, store.UserQuery{})
		must(t, err)
		if len(res.Users) != 100 || res.Total != 101 || res.NextCursor == "" {
			t.Fatalf("got %d users, total %d, cursor %q; want 100, 101, a cursor", len(res.Users), res.Total, res.NextCursor)
		}
	}},
	{"InvalidCursor", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		for _, c := range []string{"not base64!", "bm90LWEtY3Vyc29y"} {
			_, err := s.SearchUsers(ctx(t), p.ID, store.UserQuery{Page: store.Page{Cursor: c}})
			wantErr(t, err, store.ErrInvalidCursor)
		}
	}},
}

// compareStrings orders IDs bytewise, as both databases' default text
// ordering does for ASCII IDs (Postgres in the C collation; see the
// schema).
func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
