package api

import (
	"encoding/json"
	"strings"
	"time"
)

// Stytch's search routes (users, organizations, members) share one request
// shape: a cursor, a limit, and a query of {filter_name, filter_value}
// operands joined by operator (Node SDK SearchUsersRequest,
// B2BOrganizationsSearchRequest, B2BOrganizationsMembersSearchRequest),
// and one results_metadata. What a filter means is each route's own; the
// shape and its rules are here, once.

// Search page sizes (§5.1 users.search: limit defaults to 100, at most 1000).
const (
	DefaultSearchLimit = 100
	MaxSearchLimit     = 1000
)

// SearchRequest is the body of a search route; routes with more fields
// (members search's organization_ids) embed it.
type SearchRequest struct {
	Cursor string       `json:"cursor"`
	Limit  int64        `json:"limit"`
	Query  *SearchQuery `json:"query"`
}

// SearchQuery is the query of a SearchRequest.
type SearchQuery struct {
	Operator string          `json:"operator"`
	Operands []SearchOperand `json:"operands"`
}

// SearchOperand is one {filter_name, filter_value}; the value's JSON type
// depends on the filter, so it is read by the route with the methods below.
type SearchOperand struct {
	FilterName  string          `json:"filter_name"`
	FilterValue json.RawMessage `json:"filter_value"`
}

// Search is a checked SearchRequest: the page to read, whether operands
// join by OR, and the operands for the route to interpret.
type Search struct {
	Cursor   string // the page to read: "" for the first
	Limit    int    // how many results, at most
	Or       bool
	Operands []SearchOperand
}

// Parse checks the limit and operator.
func (r SearchRequest) Parse() (Search, error) {
	s := Search{Cursor: r.Cursor, Limit: int(r.Limit)}
	switch {
	case r.Limit < 0 || r.Limit > MaxSearchLimit:
		return s, BadRequest("invalid_limit", "limit must be between 1 and %d.", MaxSearchLimit)
	case r.Limit == 0:
		s.Limit = DefaultSearchLimit
	}
	if r.Query == nil {
		return s, nil
	}
	switch strings.ToUpper(r.Query.Operator) {
	case "", "AND":
	case "OR":
		s.Or = true
	default:
		return s, BadQuery("operator must be AND or OR.")
	}
	s.Operands = r.Query.Operands
	return s, nil
}

// BadQuery is the error of a query a route cannot run.
func BadQuery(format string, args ...any) error {
	return BadRequest("invalid_search_query", format, args...)
}

// ErrInvalidCursor answers a cursor no search of this route returned
// (store.ErrInvalidCursor).
var ErrInvalidCursor = BadRequest("invalid_cursor", "cursor is not one a previous search returned.")

// SearchError maps a store search failure: a forged cursor is the
// caller's error, anything else the server's.
func SearchError(err error) error {
	if storeInvalidCursor(err) {
		return ErrInvalidCursor
	}
	return Internal(err)
}

// Unsupported refuses an operand whose filter_name the route does not know.
func (o SearchOperand) Unsupported() error {
	return BadQuery("filter_name %q is not supported.", Truncate(o.FilterName))
}

func (o SearchOperand) bad(want string) error {
	return BadQuery("filter_value of %s must be %s.", o.FilterName, want)
}

// Strings reads a non-empty array of strings.
func (o SearchOperand) Strings() ([]string, error) {
	var v []string
	if json.Unmarshal(o.FilterValue, &v) != nil || len(v) == 0 {
		return nil, o.bad("a non-empty array of strings")
	}
	return v, nil
}

// Text reads a non-empty string.
func (o SearchOperand) Text() (string, error) {
	var s string
	if json.Unmarshal(o.FilterValue, &s) != nil || s == "" {
		return "", o.bad("a non-empty string")
	}
	return s, nil
}

// Bool reads a boolean (null is not one).
func (o SearchOperand) Bool() (bool, error) {
	var b bool
	if json.Unmarshal(o.FilterValue, &b) != nil || string(o.FilterValue) == "null" {
		return false, o.bad("a boolean")
	}
	return b, nil
}

// Time reads an RFC 3339 timestamp.
func (o SearchOperand) Time() (time.Time, error) {
	t, err := parseTime(o.FilterValue)
	if err != nil {
		return time.Time{}, o.bad("an RFC 3339 timestamp")
	}
	return t, nil
}

// Range reads {"greater_than": <RFC 3339>, "less_than": <RFC 3339>}.
func (o SearchOperand) Range() (from, to time.Time, err error) {
	var v struct {
		GreaterThan json.RawMessage `json:"greater_than"`
		LessThan    json.RawMessage `json:"less_than"`
	}
	var err1, err2 error
	if err := json.Unmarshal(o.FilterValue, &v); err == nil {
		from, err1 = parseTime(v.GreaterThan)
		to, err2 = parseTime(v.LessThan)
	}
	if v.GreaterThan == nil || v.LessThan == nil || err1 != nil || err2 != nil {
		return from, to, o.bad(`{"greater_than": <RFC 3339>, "less_than": <RFC 3339>}`)
	}
	return from, to, nil
}

func parseTime(raw json.RawMessage) (time.Time, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339, s)
}

// ResultsMetadata is a search response's results_metadata.
type ResultsMetadata struct {
	Total      int     `json:"total"`
	NextCursor *string `json:"next_cursor"` // null on the last page
}

// NewResultsMetadata is the metadata of a page with this total and next
// cursor ("" on the last page).
func NewResultsMetadata(total int, next string) ResultsMetadata {
	m := ResultsMetadata{Total: total}
	if next != "" {
		m.NextCursor = &next
	}
	return m
}
