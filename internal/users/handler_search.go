package users

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// Search page sizes (§5.1 users.search: limit defaults to 100, at most 1000).
const (
	defaultSearchLimit = 100
	maxSearchLimit     = 1000
)

type searchRequest struct {
	Cursor string       `json:"cursor"`
	Limit  int64        `json:"limit"`
	Query  *searchQuery `json:"query"`
}

type searchQuery struct {
	Operator string          `json:"operator"`
	Operands []searchOperand `json:"operands"`
}

type searchOperand struct {
	FilterName  string          `json:"filter_name"`
	FilterValue json.RawMessage `json:"filter_value"`
}

type searchResponse struct {
	api.Meta
	Results         []userJSON      `json:"results"`
	ResultsMetadata resultsMetadata `json:"results_metadata"`
}

type resultsMetadata struct {
	Total      int     `json:"total"`
	NextCursor *string `json:"next_cursor"` // null on the last page
}

// searchUsers is POST /v1/users/search (§5.1 users.search).
func (h *Handler) searchUsers(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req searchRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	q, err := parseSearch(req)
	if err != nil {
		return err
	}
	res, err := h.Service.SearchUsers(r.Context(), p.ID, q)
	if err != nil {
		return err
	}
	now := h.now()
	resp := &searchResponse{Results: make([]userJSON, len(res.Users)), ResultsMetadata: resultsMetadata{Total: res.Total}}
	for i, u := range res.Users {
		resp.Results[i] = toUserJSON(u, now)
	}
	if res.NextCursor != "" {
		resp.ResultsMetadata.NextCursor = &res.NextCursor
	}
	api.Write(w, r, http.StatusOK, resp)
	return nil
}

// parseSearch turns the wire query into a store.UserQuery.
func parseSearch(req searchRequest) (store.UserQuery, error) {
	q := store.UserQuery{Page: store.Page{Cursor: req.Cursor, Limit: int(req.Limit)}}
	switch {
	case req.Limit < 0 || req.Limit > maxSearchLimit:
		return q, invalid("invalid_limit", "limit must be between 1 and %d.", maxSearchLimit)
	case req.Limit == 0:
		q.Limit = defaultSearchLimit
	}
	if req.Query == nil {
		return q, nil
	}
	switch strings.ToUpper(req.Query.Operator) {
	case "", "AND":
	case "OR":
		q.Or = true
	default:
		return q, badQuery("operator must be AND or OR.")
	}
	for _, op := range req.Query.Operands {
		f, err := parseOperand(op)
		if err != nil {
			return q, err
		}
		q.Filters = append(q.Filters, f)
	}
	return q, nil
}

func badQuery(format string, args ...any) error {
	return invalid("invalid_search_query", format, args...)
}

// parseOperand reads one {filter_name, filter_value}; the value's JSON type
// depends on the filter (Node SDK SearchUsersQueryOperand).
func parseOperand(op searchOperand) (store.UserFilter, error) {
	f := store.UserFilter{Field: store.UserField(op.FilterName)}
	bad := func(want string) error {
		return badQuery("filter_value of %s must be %s.", op.FilterName, want)
	}
	switch f.Field {
	case store.UserByID, store.UserByEmail, store.UserByEmailID, store.UserByPhone, store.UserByPhoneID:
		if json.Unmarshal(op.FilterValue, &f.Values) != nil || len(f.Values) == 0 {
			return f, bad("a non-empty array of strings")
		}
	case store.UserByStatus:
		var s string
		if json.Unmarshal(op.FilterValue, &s) != nil || (s != "active" && s != "pending") {
			return f, bad(`"active" or "pending"`)
		}
		f.Values = []string{s}
	case store.UserByEmailFuzzy, store.UserByPhoneFuzzy, store.UserByFullNameFuzzy:
		var s string
		if json.Unmarshal(op.FilterValue, &s) != nil || s == "" {
			return f, bad("a non-empty string")
		}
		f.Values = []string{s}
	case store.UserByEmailVerified, store.UserByPhoneVerified, store.UserByPasswordExists:
		if json.Unmarshal(op.FilterValue, &f.Bool) != nil || string(op.FilterValue) == "null" {
			return f, bad("a boolean")
		}
	case store.UserByCreatedAfter, store.UserByCreatedBefore:
		t, err := parseTime(op.FilterValue)
		if err != nil {
			return f, bad("an RFC 3339 timestamp")
		}
		if f.Field == store.UserByCreatedAfter {
			f.From = t
		} else {
			f.To = t
		}
	case store.UserByCreatedBetween:
		var v struct {
			GreaterThan json.RawMessage `json:"greater_than"`
			LessThan    json.RawMessage `json:"less_than"`
		}
		var err1, err2 error
		if err := json.Unmarshal(op.FilterValue, &v); err == nil {
			f.From, err1 = parseTime(v.GreaterThan)
			f.To, err2 = parseTime(v.LessThan)
		}
		if v.GreaterThan == nil || v.LessThan == nil || err1 != nil || err2 != nil {
			return f, bad(`{"greater_than": <RFC 3339>, "less_than": <RFC 3339>}`)
		}
	default:
		return f, badQuery("filter_name %q is not supported.", truncate(op.FilterName))
	}
	return f, nil
}

func parseTime(raw json.RawMessage) (time.Time, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339, s)
}
