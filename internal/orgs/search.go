package orgs

import (
	"slices"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// parseOrgSearch turns organizations.search's query into a store query
// (Node SDK OrganizationSearchOperand). The SSO filters
// (has_active_sso_connection, sso_connection_id) and claimed_email_domains
// are refused as unsupported: Signet has neither SSO nor domain claims.
func parseOrgSearch(req api.SearchRequest) (store.OrganizationQuery, error) {
	s, err := req.Parse()
	if err != nil {
		return store.OrganizationQuery{}, err
	}
	q := store.OrganizationQuery{Or: s.Or, Page: store.Page{Cursor: s.Cursor, Limit: s.Limit}}
	for _, op := range s.Operands {
		f := store.OrganizationFilter{Field: store.OrganizationField(op.FilterName)}
		switch f.Field {
		case store.OrgByID, store.OrgBySlug, store.OrgByMemberEmail, store.OrgByAllowedDomain:
			f.Values, err = op.Strings()
		case store.OrgByNameFuzzy, store.OrgBySlugFuzzy, store.OrgByMemberEmailFuzzy, store.OrgByAllowedDomainFuzzy:
			var v string
			v, err = op.Text()
			f.Values = []string{v}
		default:
			err = op.Unsupported()
		}
		if err != nil {
			return q, err
		}
		q.Filters = append(q.Filters, f)
	}
	return q, nil
}

// parseMemberSearch turns members.search's query into a store query
// (Node SDK MemberSearchOperand, and member_password_exists). Deleted
// members are left out unless a statuses operand asks for them.
func parseMemberSearch(req api.SearchRequest) (store.MemberQuery, error) {
	s, err := req.Parse()
	if err != nil {
		return store.MemberQuery{}, err
	}
	q := store.MemberQuery{Or: s.Or, Page: store.Page{Cursor: s.Cursor, Limit: s.Limit}}
	for _, op := range s.Operands {
		f := store.MemberFilter{Field: store.MemberField(op.FilterName)}
		switch f.Field {
		case store.MemberByID, store.MemberByEmail, store.MemberByPhone:
			f.Values, err = op.Strings()
		case store.MemberByStatus:
			f.Values, err = op.Strings()
			for _, v := range f.Values {
				if !slices.Contains(MemberStatuses, v) {
					err = api.BadRequest("search_invalid_status_filter", "statuses may hold active, invited, pending and deleted.")
				}
			}
			q.IncludeDeleted = q.IncludeDeleted || slices.Contains(f.Values, MemberDeleted)
		case store.MemberByEmailFuzzy, store.MemberByPhoneFuzzy:
			var v string
			v, err = op.Text()
			f.Values = []string{v}
		case store.MemberByBreakglass, store.MemberByPasswordSet:
			f.Bool, err = op.Bool()
		default:
			err = op.Unsupported()
		}
		if err != nil {
			return q, err
		}
		q.Filters = append(q.Filters, f)
	}
	return q, nil
}
