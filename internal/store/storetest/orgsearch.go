package storetest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// orgFixture creates four organizations a minute apart (o[0] oldest) with
// members, plus an organization of another project that shares their
// names, slugs and domains and must never show up.
func orgFixture(t *testing.T, s store.Store) (store.Project, []store.Organization, []store.Member) {
	t.Helper()
	p, other := newProject(t, s), newProject(t, s)
	t0 := now().Add(-time.Hour)
	spec := []struct {
		name, slug string
		domains    []string
	}{
		{"Acme Corp", "acme", []string{"acme.example"}},
		{"Globex", "globex", []string{"globex.example", "globex.test"}},
		{"Initech", "initech_1", nil},
		{"ACME Labs", "acme-labs", []string{"labs.acme.example"}},
	}
	orgs := make([]store.Organization, len(spec))
	for i, sp := range spec {
		o := newOrg(p.ID)
		o.Name, o.Slug, o.ExternalID, o.EmailAllowedDomains = sp.name, sp.slug, "", sp.domains
		o.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
		orgs[i] = createOrg(t, s, o)
	}
	stranger := newOrg(other.ID)
	stranger.Name, stranger.Slug, stranger.EmailAllowedDomains = "Acme Corp", "acme", []string{"acme.example"}
	stranger.CreatedAt = t0.Add(30 * time.Second)
	createOrg(t, s, stranger)

	mspec := []struct {
		org        int
		email      string
		status     string
		breakglass bool
		phone      string
		password   bool
	}{
		{0, "ada@acme.example", "active", false, "+15550000001", true},
		{0, "Grace@Acme.example", "invited", true, "", false},
		{1, "ada@acme.example", "pending", false, "+15550000002", false},
		{1, "x_y%z@globex.example", "active", false, "", true},
		{3, "gone@acme.example", "active", false, "", false}, // deleted below
	}
	members := make([]store.Member, len(mspec))
	for i, sp := range mspec {
		m := newMember(orgs[sp.org])
		m.Email, m.Status, m.IsBreakglass, m.MFAPhoneNumber = sp.email, sp.status, sp.breakglass, sp.phone
		m.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
		if sp.password {
			m.Password = memberPassword(newID("member-password"))
		}
		members[i] = createMember(t, s, m)
	}
	var err error
	members[4], err = s.DeleteMember(ctx(t), p.ID, orgs[3].ID, members[4].ID, now())
	must(t, err)
	sm := newMember(stranger)
	sm.Email = "ada@acme.example"
	createMember(t, s, sm)
	return p, orgs, members
}

var orgSearchTests = []test{
	{"OrganizationFilters", func(t *testing.T, s store.Store) {
		p, o, _ := orgFixture(t, s)
		f := func(field store.OrganizationField, values ...string) store.OrganizationFilter {
			return store.OrganizationFilter{Field: field, Values: values}
		}
		for _, tc := range []struct {
			name    string
			or      bool
			filters []store.OrganizationFilter
			want    []int
		}{
			{"no filter", false, nil, []int{0, 1, 2, 3}},
			{"IDs", false, []store.OrganizationFilter{f(store.OrgByID, o[2].ID, o[0].ID)}, []int{0, 2}},
			{"empty values match nothing", false, []store.OrganizationFilter{f(store.OrgByID)}, nil},
			{"slugs exactly", false, []store.OrganizationFilter{f(store.OrgBySlug, "acme", "ACME-LABS")}, []int{0}},
			{"name fuzzy ignores case", false, []store.OrganizationFilter{f(store.OrgByNameFuzzy, "acme")}, []int{0, 3}},
			{"slug fuzzy underscore is literal", false, []store.OrganizationFilter{f(store.OrgBySlugFuzzy, "_")}, []int{2}},
			{"member emails ignore case", false, []store.OrganizationFilter{f(store.OrgByMemberEmail, "ADA@acme.example")}, []int{0, 1}},
			{"deleted members do not count", false, []store.OrganizationFilter{f(store.OrgByMemberEmail, "gone@acme.example")}, nil},
			{"member email fuzzy", false, []store.OrganizationFilter{f(store.OrgByMemberEmailFuzzy, "GRACE")}, []int{0}},
			{"member email fuzzy % is literal", false, []store.OrganizationFilter{f(store.OrgByMemberEmailFuzzy, "%")}, []int{1}},
			{"allowed domains", false, []store.OrganizationFilter{f(store.OrgByAllowedDomain, "GLOBEX.test", "labs.acme.example")}, []int{1, 3}},
			{"allowed domain fuzzy", false, []store.OrganizationFilter{f(store.OrgByAllowedDomainFuzzy, "acme")}, []int{0, 3}},
			{"AND", false, []store.OrganizationFilter{f(store.OrgByNameFuzzy, "acme"), f(store.OrgByAllowedDomain, "acme.example")}, []int{0}},
			{"OR", true, []store.OrganizationFilter{f(store.OrgBySlug, "initech_1"), f(store.OrgByAllowedDomain, "globex.example")}, []int{1, 2}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := s.SearchOrganizations(ctx(t), p.ID, store.OrganizationQuery{Or: tc.or, Filters: tc.filters})
				must(t, err)
				var got []int
				for _, g := range res.Organizations {
					got = append(got, slices.IndexFunc(o, func(x store.Organization) bool { return x.ID == g.ID }))
				}
				equal(t, got, tc.want)
				equal(t, res.Total, len(tc.want))
				if len(res.Organizations) > 0 && res.Organizations[0].ID == o[0].ID {
					equal(t, res.Organizations[0], o[0])
				}
			})
		}
	}},
	{"OrganizationPages", func(t *testing.T, s store.Store) {
		p, o, _ := orgFixture(t, s)
		var got []string
		q := store.OrganizationQuery{Page: store.Page{Limit: 3}}
		for pages := 0; ; pages++ {
			if pages > 3 {
				t.Fatal("no end of pages")
			}
			res, err := s.SearchOrganizations(ctx(t), p.ID, q)
			must(t, err)
			equal(t, res.Total, 4)
			for _, x := range res.Organizations {
				got = append(got, x.ID)
			}
			if res.NextCursor == "" {
				break
			}
			q.Cursor = res.NextCursor
		}
		equal(t, got, []string{o[0].ID, o[1].ID, o[2].ID, o[3].ID})
		_, err := s.SearchOrganizations(ctx(t), p.ID, store.OrganizationQuery{Page: store.Page{Cursor: "not a cursor!"}})
		wantErr(t, err, store.ErrInvalidCursor)
	}},
	{"MemberFilters", func(t *testing.T, s store.Store) {
		p, o, m := orgFixture(t, s)
		f := func(field store.MemberField, values ...string) store.MemberFilter {
			return store.MemberFilter{Field: field, Values: values}
		}
		is := func(field store.MemberField, b bool) store.MemberFilter {
			return store.MemberFilter{Field: field, Bool: b}
		}
		all := []string{o[0].ID, o[1].ID, o[2].ID, o[3].ID}
		for _, tc := range []struct {
			name    string
			orgs    []string
			or      bool
			deleted bool
			filters []store.MemberFilter
			want    []int
		}{
			{"all organizations", all, false, false, nil, []int{0, 1, 2, 3}},
			{"one organization", []string{o[1].ID}, false, false, nil, []int{2, 3}},
			{"no organizations", nil, false, false, nil, nil},
			{"with deleted", all, false, true, nil, []int{0, 1, 2, 3, 4}},
			{"IDs", all, false, false, []store.MemberFilter{f(store.MemberByID, m[3].ID, m[0].ID)}, []int{0, 3}},
			{"emails ignore case", all, false, false, []store.MemberFilter{f(store.MemberByEmail, "ADA@acme.example")}, []int{0, 2}},
			{"email fuzzy", all, false, false, []store.MemberFilter{f(store.MemberByEmailFuzzy, "globex")}, []int{3}},
			{"breakglass", all, false, false, []store.MemberFilter{is(store.MemberByBreakglass, true)}, []int{1}},
			{"statuses", all, false, true, []store.MemberFilter{f(store.MemberByStatus, "pending", "deleted")}, []int{2, 4}},
			{"phone numbers", all, false, false, []store.MemberFilter{f(store.MemberByPhone, "+15550000002")}, []int{2}},
			{"phone fuzzy", all, false, false, []store.MemberFilter{f(store.MemberByPhoneFuzzy, "0000001")}, []int{0}},
			{"password set", all, false, false, []store.MemberFilter{is(store.MemberByPasswordSet, true)}, []int{0, 3}},
			{"no password", all, false, false, []store.MemberFilter{is(store.MemberByPasswordSet, false)}, []int{1, 2}},
			{"OR", all, true, false, []store.MemberFilter{is(store.MemberByBreakglass, true), f(store.MemberByStatus, "pending")}, []int{1, 2}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := s.SearchMembers(ctx(t), p.ID, store.MemberQuery{OrganizationIDs: tc.orgs, Or: tc.or,
					IncludeDeleted: tc.deleted, Filters: tc.filters})
				must(t, err)
				var got []int
				for _, g := range res.Members {
					got = append(got, slices.IndexFunc(m, func(x store.Member) bool { return x.ID == g.ID }))
				}
				equal(t, got, tc.want)
				equal(t, res.Total, len(tc.want))
				for _, id := range tc.orgs {
					i := slices.IndexFunc(o, func(x store.Organization) bool { return x.ID == id })
					equal(t, res.Organizations[id], o[i])
				}
				equal(t, len(res.Organizations), len(tc.orgs))
			})
		}
		// Another project's organization is never searched.
		res, err := s.SearchMembers(ctx(t), newProject(t, s).ID, store.MemberQuery{OrganizationIDs: all})
		must(t, err)
		equal(t, res.Total, 0)
		equal(t, len(res.Organizations), 0)
	}},
	{"MemberPages", func(t *testing.T, s store.Store) {
		p, o, m := orgFixture(t, s)
		var got []string
		q := store.MemberQuery{OrganizationIDs: []string{o[0].ID, o[1].ID}, Page: store.Page{Limit: 3}}
		for pages := 0; ; pages++ {
			if pages > 2 {
				t.Fatal("no end of pages")
			}
			res, err := s.SearchMembers(ctx(t), p.ID, q)
			must(t, err)
			equal(t, res.Total, 4)
			for _, x := range res.Members {
				got = append(got, x.ID)
			}
			if res.NextCursor == "" {
				break
			}
			q.Cursor = res.NextCursor
		}
		equal(t, got, []string{m[0].ID, m[1].ID, m[2].ID, m[3].ID})
	}},
	{"ConcurrentCreateSameMemberEmail", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o := createOrg(t, s, newOrg(p.ID))
		const n = 16
		email := newMember(o).Email
		start := make(chan struct{})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				m := newMember(o)
				m.Email = email
				if i%2 == 1 {
					m.Email = strings.ToUpper(email)
				}
				<-start
				errs[i] = s.CreateMember(ctx(t), m)
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			wantDup(t, err, "member_email")
		}
		if won != 1 {
			t.Fatalf("%d creates succeeded, want exactly 1", won)
		}
	}},
}
