package users

import (
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

type searchResponse struct {
	api.Meta
	Results         []userJSON          `json:"results"`
	ResultsMetadata api.ResultsMetadata `json:"results_metadata"`
}

// searchUsers is POST /v1/users/search (§5.1 users.search).
// results_metadata.total counts the matches up to store.MaxSearchTotal
// (1,000) and reports 1,000 beyond: Stytch leaves the count's cost
// unsaid, and counting a large project's matches cost more than the page
// itself. next_cursor pages through every match.
func (h *Handler) searchUsers(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req api.SearchRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	q, err := parseSearch(req)
	if err != nil {
		return err
	}
	res, err := h.Service.SearchUsers(r.Context(), p.ID, q)
	if err != nil {
		return api.SearchError(err)
	}
	now := store.Now(h.Service.clock)
	resp := &searchResponse{Results: make([]userJSON, len(res.Users)), ResultsMetadata: api.NewResultsMetadata(res.Total, res.NextCursor)}
	for i, u := range res.Users {
		resp.Results[i] = toUserJSON(u, now)
	}
	api.Write(w, r, http.StatusOK, resp)
	return nil
}

// parseSearch turns the wire query into a store.UserQuery.
func parseSearch(req api.SearchRequest) (store.UserQuery, error) {
	s, err := req.Parse()
	if err != nil {
		return store.UserQuery{}, err
	}
	q := store.UserQuery{Or: s.Or, Page: store.Page{Cursor: s.Cursor, Limit: s.Limit}}
	for _, op := range s.Operands {
		f, err := parseOperand(op)
		if err != nil {
			return q, err
		}
		q.Filters = append(q.Filters, f)
	}
	return q, nil
}

// parseOperand reads one {filter_name, filter_value}; the value's JSON type
// depends on the filter (Node SDK SearchUsersQueryOperand).
func parseOperand(op api.SearchOperand) (store.UserFilter, error) {
	f := store.UserFilter{Field: store.UserField(op.FilterName)}
	var err error
	switch f.Field {
	case store.UserByID, store.UserByEmail, store.UserByEmailID, store.UserByPhone, store.UserByPhoneID:
		f.Values, err = op.Strings()
	case store.UserByStatus:
		var s string
		if s, err = op.Text(); err == nil && s != "active" && s != "pending" {
			err = api.BadQuery("filter_value of %s must be %s.", op.FilterName, `"active" or "pending"`)
		}
		f.Values = []string{s}
	case store.UserByEmailFuzzy, store.UserByPhoneFuzzy, store.UserByFullNameFuzzy:
		var s string
		s, err = op.Text()
		f.Values = []string{s}
	case store.UserByEmailVerified, store.UserByPhoneVerified, store.UserByPasswordExists:
		f.Bool, err = op.Bool()
	case store.UserByCreatedAfter:
		f.From, err = op.Time()
	case store.UserByCreatedBefore:
		f.To, err = op.Time()
	case store.UserByCreatedBetween:
		f.From, f.To, err = op.Range()
	default:
		err = op.Unsupported()
	}
	return f, err
}
