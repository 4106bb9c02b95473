package users

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/signet-id/signet/internal/api"
)

// Every rejection of outside input is a 400 envelope error, never a panic
// or an internal error.
func wantClientError(t *testing.T, what string, err error) {
	t.Helper()
	var e *api.Error
	if err != nil && (!errors.As(APIError(err), &e) || e.Status != 400) {
		t.Fatalf("%s: error %v is not a 400", what, err)
	}
}

func FuzzSearchRequest(f *testing.F) {
	for _, s := range []string{
		`{"limit":5,"query":{"operator":"OR","operands":[{"filter_name":"status","filter_value":"active"}]}}`,
		`{"query":{"operands":[{"filter_name":"created_at_between","filter_value":{"greater_than":"2024-01-01T00:00:00Z","less_than":"2025-01-01T00:00:00Z"}}]}}`,
		`{"query":{"operands":[{"filter_name":"user_id","filter_value":["a","b"]},{"filter_name":"email_verified","filter_value":true}]}}`,
		`{"query":{"operands":[{"filter_name":"password_exists","filter_value":null}]}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var req api.SearchRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		q, err := parseSearch(req)
		wantClientError(t, "parseSearch", err)
		if err == nil && (q.Limit < 1 || q.Limit > api.MaxSearchLimit) {
			t.Fatalf("limit %d out of range", q.Limit)
		}
	})
}
