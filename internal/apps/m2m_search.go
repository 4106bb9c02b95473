package apps

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// searchRequest is the Stytch M2M search body: cursor, limit and a query
// of {filter_name, filter_value} operands joined by operator.
type searchRequest struct {
	Cursor string `json:"cursor"`
	Limit  int    `json:"limit"`
	Query  *struct {
		Operator string `json:"operator"`
		Operands []struct {
			FilterName  string          `json:"filter_name"`
			FilterValue json.RawMessage `json:"filter_value"`
		} `json:"operands"`
	} `json:"query"`
}

type resultsMetadata struct {
	Total      int     `json:"total"`
	NextCursor *string `json:"next_cursor"` // null on the last page
}

type searchResponse struct {
	M2MClients      []m2mClient     `json:"m2m_clients"`
	ResultsMetadata resultsMetadata `json:"results_metadata"`
	api.Meta
}

const maxSearchLimit = 1000

func (h *M2M) search(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req searchRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	q, err := parseQuery(req)
	if err != nil {
		return err
	}
	res, err := h.Store.SearchM2MClients(r.Context(), p.ID, q)
	if err != nil {
		if errors.Is(err, store.ErrInvalidCursor) {
			return api.BadRequest("invalid_cursor", "The cursor is not one a previous search returned.")
		}
		return api.Internal(err)
	}
	out := searchResponse{M2MClients: make([]m2mClient, len(res.Clients)), ResultsMetadata: resultsMetadata{Total: res.Total}}
	for i, c := range res.Clients {
		out.M2MClients[i] = wireClient(c)
	}
	if res.NextCursor != "" {
		out.ResultsMetadata.NextCursor = &res.NextCursor
	}
	api.Write(w, r, http.StatusOK, &out)
	return nil
}

// parseQuery turns the wire query into a store query. Each filter may
// appear once; filter_value is a list of strings (status also takes a
// single string).
func parseQuery(req searchRequest) (store.M2MQuery, error) {
	if req.Limit < 0 || req.Limit > maxSearchLimit {
		return store.M2MQuery{}, api.BadRequest("invalid_limit", "limit must be between 1 and %d.", maxSearchLimit)
	}
	q := store.M2MQuery{Page: store.Page{Cursor: req.Cursor, Limit: req.Limit}}
	if req.Query == nil {
		return q, nil
	}
	switch strings.ToUpper(req.Query.Operator) {
	case "", "AND":
	case "OR":
		q.Or = true
	default:
		return q, api.BadRequest("invalid_search_query", "operator must be AND or OR.")
	}
	seen := map[string]bool{}
	for _, op := range req.Query.Operands {
		if seen[op.FilterName] {
			return q, api.BadRequest("invalid_search_query", "Filter %q appears more than once.", op.FilterName)
		}
		seen[op.FilterName] = true
		values, err := filterValues(op.FilterName, op.FilterValue)
		if err != nil {
			return q, err
		}
		switch op.FilterName {
		case "client_id":
			q.ClientIDs = values
		case "scopes":
			q.Scopes = values
		case "status":
			if len(values) != 1 || (values[0] != statusActive && values[0] != statusInactive) {
				return q, api.BadRequest("invalid_search_query", "The status filter takes one value, %q or %q.", statusActive, statusInactive)
			}
			q.Status = values[0]
		default:
			return q, api.BadRequest("invalid_search_query",
				"Unsupported filter_name %q: use client_id, status or scopes.", op.FilterName)
		}
	}
	return q, nil
}

// filterValues decodes a filter_value: a non-empty list of strings, or a
// single string.
func filterValues(name string, raw json.RawMessage) ([]string, error) {
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil, api.BadRequest("invalid_search_query", "filter_value of %q must be a list of strings.", name)
		}
		list = []string{one}
	}
	if len(list) == 0 {
		return nil, api.BadRequest("invalid_search_query", "filter_value of %q must not be empty.", name)
	}
	return list, nil
}
