package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/signet-id/signet/internal/store"
)

// SearchOrganizations returns one page of the project's organizations
// matching q, oldest first, with the total count of matches. It pages
// exactly as SearchUsers does.
func (db *DB) SearchOrganizations(ctx context.Context, projectID string, q store.OrganizationQuery) (store.OrganizationResult, error) {
	var p params
	where := "o.project_id = " + p.add(projectID)
	conds := make([]string, 0, len(q.Filters))
	for _, f := range q.Filters {
		c, err := orgCond(&p, f)
		if err != nil {
			return store.OrganizationResult{}, err
		}
		conds = append(conds, c)
	}
	where += " AND (" + joinConds(conds, q.Or) + ")"

	var res store.OrganizationResult
	err := db.page(ctx, pageQuery{
		count:     `SELECT COUNT(*) FROM organizations o WHERE ` + where,
		rows:      selectOrg + ` WHERE ` + where,
		createdAt: "o.created_at",
		id:        "o.id",
		params:    p,
		page:      q.Page,
	}, &res.Total, &res.NextCursor, func(rows *sql.Rows) (cursor, error) {
		o, err := scanOrganization(rows)
		if err != nil {
			return cursor{}, err
		}
		res.Organizations = append(res.Organizations, o)
		return cursor{createdAt: micros(o.CreatedAt), id: o.ID}, nil
	})
	if err != nil {
		return store.OrganizationResult{}, err
	}
	return res, nil
}

// orgCond is the SQL condition of one organization filter.
func orgCond(p *params, f store.OrganizationFilter) (string, error) {
	// Conditions on an organization's members and domains are EXISTS
	// subqueries, so an organization matches once however many of its
	// rows do.
	const (
		members = `EXISTS (SELECT 1 FROM members m WHERE m.project_id = o.project_id AND m.organization_id = o.id` +
			liveMember + ` AND `
		domains = `EXISTS (SELECT 1 FROM organization_email_domains d
			WHERE d.project_id = o.project_id AND d.organization_id = o.id AND `
	)
	switch f.Field {
	case store.OrgByID:
		return in(p, "o.id", f.Values), nil
	case store.OrgBySlug:
		return in(p, "o.slug", f.Values), nil
	case store.OrgByNameFuzzy:
		return contains(p, "o.name_lower", f.Values), nil
	case store.OrgBySlugFuzzy:
		return contains(p, "o.slug_lower", f.Values), nil
	case store.OrgByMemberEmail:
		return members + in(p, "m.email_lower", foldAll(f.Values)) + ")", nil
	case store.OrgByMemberEmailFuzzy:
		return members + "(" + contains(p, "m.email_lower", f.Values) + "))", nil
	case store.OrgByAllowedDomain:
		return domains + in(p, "d.domain", foldAll(f.Values)) + ")", nil
	case store.OrgByAllowedDomainFuzzy:
		return domains + "(" + contains(p, "d.domain", f.Values) + "))", nil
	}
	return "", fmt.Errorf("sqlstore: unknown organization filter %q", f.Field)
}

// SearchMembers returns one page of the members of q.OrganizationIDs
// matching q, oldest first, with the total count and the organizations.
func (db *DB) SearchMembers(ctx context.Context, projectID string, q store.MemberQuery) (store.MemberResult, error) {
	var p params
	where := "m.project_id = " + p.add(projectID) + " AND " + in(&p, "m.organization_id", q.OrganizationIDs)
	if !q.IncludeDeleted {
		where += liveMember
	}
	conds := make([]string, 0, len(q.Filters))
	for _, f := range q.Filters {
		c, err := memberCond(&p, f)
		if err != nil {
			return store.MemberResult{}, err
		}
		conds = append(conds, c)
	}
	where += " AND (" + joinConds(conds, q.Or) + ")"

	res := store.MemberResult{Organizations: map[string]store.Organization{}}
	err := db.page(ctx, pageQuery{
		count:     `SELECT COUNT(*) FROM members m WHERE ` + where,
		rows:      selectMember + ` WHERE ` + where,
		createdAt: "m.created_at",
		id:        "m.id",
		params:    p,
		page:      q.Page,
	}, &res.Total, &res.NextCursor, func(rows *sql.Rows) (cursor, error) {
		m, err := scanMember(rows, true)
		if err != nil {
			return cursor{}, err
		}
		res.Members = append(res.Members, m)
		return cursor{createdAt: micros(m.CreatedAt), id: m.ID}, nil
	})
	if err != nil {
		return store.MemberResult{}, err
	}
	if len(q.OrganizationIDs) == 0 {
		return res, nil
	}
	var op params
	rows, err := db.r.QueryContext(ctx, selectOrg+` WHERE o.project_id = `+op.add(projectID)+
		` AND `+in(&op, "o.id", q.OrganizationIDs), op...)
	if err != nil {
		return store.MemberResult{}, fmt.Errorf("sqlstore: search members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOrganization(rows)
		if err != nil {
			return store.MemberResult{}, fmt.Errorf("sqlstore: search members: %w", err)
		}
		res.Organizations[o.ID] = o
	}
	if err := rows.Err(); err != nil {
		return store.MemberResult{}, fmt.Errorf("sqlstore: search members: %w", err)
	}
	return res, nil
}

// memberCond is the SQL condition of one member filter.
func memberCond(p *params, f store.MemberFilter) (string, error) {
	switch f.Field {
	case store.MemberByID:
		return in(p, "m.id", f.Values), nil
	case store.MemberByEmail:
		return in(p, "m.email_lower", foldAll(f.Values)), nil
	case store.MemberByEmailFuzzy:
		return contains(p, "m.email_lower", f.Values), nil
	case store.MemberByBreakglass:
		return "m.is_breakglass = " + p.add(f.Bool), nil
	case store.MemberByStatus:
		return in(p, "m.status", f.Values), nil
	case store.MemberByPhone:
		return in(p, "m.mfa_phone_number", f.Values), nil
	case store.MemberByPhoneFuzzy:
		// Phone numbers are "+" and digits: nothing to fold.
		return contains(p, "m.mfa_phone_number", f.Values), nil
	case store.MemberByPasswordSet:
		exists := "EXISTS (SELECT 1 FROM member_passwords mp WHERE mp.project_id = m.project_id AND mp.member_id = m.id)"
		if !f.Bool {
			exists = "NOT " + exists
		}
		return exists, nil
	}
	return "", fmt.Errorf("sqlstore: unknown member filter %q", f.Field)
}

// foldAll lower-cases values compared against a folded column.
func foldAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.ToLower(v)
	}
	return out
}
