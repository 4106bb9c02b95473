package users

import (
	"encoding/json"
	"errors"
	"net/mail"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/api"
)

func TestCheckEmail(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"ada@example.com", true},
		{"Ada.Lovelace+tag@mail.example.co.uk", true},
		{"a_b-c@sub-domain.example", true},
		{"", false},
		{"ada", false},
		{"ada@", false},
		{"@example.com", false},
		{"ada@example", false},
		{"ada@example.com.", false},
		{"ada@-example.com", false},
		{"ada@exa..mple.com", false},
		{"ada @example.com", false},
		{"Ada <ada@example.com>", false},
		{`"ada"@example.com`, false},
		{"ada@example.com\n", false},
		{strings.Repeat("a", 65) + "@example.com", false},
		{"a@" + strings.Repeat("b", 250) + ".com", false},
	} {
		if err := checkEmail(tc.in); (err == nil) != tc.ok {
			t.Errorf("checkEmail(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestCheckPhone(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"+12025550123", true},
		{"+442071838750", true},
		{"+1234567", true},
		{"+123456789012345", true},
		{"+1234567890123456", false}, // 16 digits
		{"+123456", false},
		{"12025550123", false},
		{"+02025550123", false},
		{"+1 202 555 0123", false},
		{"+1-202-555-0123", false},
		{"", false},
	} {
		if err := checkPhone(tc.in); (err == nil) != tc.ok {
			t.Errorf("checkPhone(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestCheckExternalID(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"abc", true},
		{"A.b_c|d-9", true},
		{strings.Repeat("x", 128), true},
		{strings.Repeat("x", 129), false},
		{"", false},
		{"a b", false},
		{"a/b", false},
		{"é", false},
	} {
		if err := checkExternalID(tc.in); (err == nil) != tc.ok {
			t.Errorf("checkExternalID(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestMergeMetadata(t *testing.T) {
	for _, tc := range []struct {
		stored, update, want string
	}{
		{`{"a":1}`, `{"b":2}`, `{"a":1,"b":2}`},
		{`{"a":1}`, `{"a":[1, 2]}`, `{"a":[1,2]}`},
		{`{"a":{"x":1}}`, `{"a":{"y":2}}`, `{"a":{"y":2}}`}, // no deep merge
		{`{"a":1,"b":2}`, `{"a":null}`, `{"b":2}`},
		{``, `{"a":1}`, `{"a":1}`},
		{`{"a":1}`, ``, `{"a":1}`},
		{`{"a":1}`, `null`, `{"a":1}`},
	} {
		got, err := mergeMetadata("m", json.RawMessage(tc.stored), json.RawMessage(tc.update))
		if err != nil || string(got) != tc.want {
			t.Errorf("merge(%s, %s) = %s, %v; want %s", tc.stored, tc.update, got, err, tc.want)
		}
	}
}

// Every rejection of outside input is a 400 envelope error, never a panic
// or an internal error.
func wantClientError(t *testing.T, what string, err error) {
	t.Helper()
	var e *api.Error
	if err != nil && (!errors.As(APIError(err), &e) || e.Status != 400) {
		t.Fatalf("%s: error %v is not a 400", what, err)
	}
}

func FuzzCheckEmail(f *testing.F) {
	for _, s := range []string{"ada@example.com", "a@b.c", "x <y@z.w>", "@", "a@b..c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := checkEmail(s)
		wantClientError(t, "checkEmail", err)
		if err == nil {
			if a, perr := mail.ParseAddress(s); perr != nil || a.Address != s || len(s) > maxEmail {
				t.Fatalf("accepted %q, which is not a bare address", s)
			}
		}
	})
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
		var req searchRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		q, err := parseSearch(req)
		wantClientError(t, "parseSearch", err)
		if err == nil && (q.Limit < 1 || q.Limit > maxSearchLimit) {
			t.Fatalf("limit %d out of range", q.Limit)
		}
	})
}

func FuzzMetadata(f *testing.F) {
	f.Add(`{"a":1}`, `{"a":null,"b":[1]}`)
	f.Add(``, `[]`)
	f.Fuzz(func(t *testing.T, stored, update string) {
		if stored != "" {
			var m map[string]json.RawMessage
			if json.Unmarshal([]byte(stored), &m) != nil || len(stored) > maxMetadataBytes {
				return // stores only hold what metadataObject accepted
			}
		}
		got, err := mergeMetadata("m", json.RawMessage(stored), json.RawMessage(update))
		wantClientError(t, "mergeMetadata", err)
		if err == nil && got != nil {
			var m map[string]json.RawMessage
			if json.Unmarshal(got, &m) != nil {
				t.Fatalf("merged %s is not an object", got)
			}
		}
	})
}
