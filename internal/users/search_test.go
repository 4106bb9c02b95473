package users_test

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestSearchUsers(t *testing.T) {
	e := newEnv(t)
	start := e.clock.Now()
	ids := map[string]string{}
	for i, u := range []obj{
		{"email": "ann@alpha.example", "name": obj{"first_name": "Ann", "last_name": "Archer"}},
		{"email": "bob@beta.example", "phone_number": "+12025550101", "create_user_as_pending": true},
		{"email": "cid@alpha.example", "name": obj{"first_name": "Cid", "last_name": "Archer"}},
		{"phone_number": "+12025550102"},
	} {
		e.clock.Advance(time.Hour)
		ids[fmt.Sprint(i)] = e.must(t, "POST", "/v1/users", u)["user_id"].(string)
	}
	e.clock.Advance(time.Hour)
	ids["pw"] = e.signup(t, "dee@delta.example")["user_id"].(string)
	get := func(id string) obj { return e.must(t, "GET", "/v1/users/"+id, nil) }
	emailID := get(ids["0"])["emails"].([]any)[0].(obj)["email_id"]
	phoneID := get(ids["3"])["phone_numbers"].([]any)[0].(obj)["phone_id"]
	at := func(h int) string { return start.Add(time.Duration(h)*time.Hour + 30*time.Minute).Format(time.RFC3339) }

	for _, tc := range []struct {
		name  string
		query obj
		want  []string
	}{
		{"no query", nil, []string{"0", "1", "2", "3", "pw"}},
		{"status", q("AND", "status", "pending"), []string{"1"}},
		{"user_id", q("AND", "user_id", []string{ids["2"], ids["3"]}), []string{"2", "3"}},
		{"email", q("AND", "email_address", []string{"ANN@alpha.example"}), []string{"0"}},
		{"email fuzzy", q("AND", "email_address_fuzzy", "alpha"), []string{"0", "2"}},
		{"email id", q("AND", "email_id", []any{emailID}), []string{"0"}},
		{"phone", q("AND", "phone_number", []string{"+12025550102"}), []string{"3"}},
		{"phone fuzzy", q("AND", "phone_number_fuzzy", "555010"), []string{"1", "3"}},
		{"phone id", q("AND", "phone_id", []any{phoneID}), []string{"3"}},
		{"full name fuzzy", q("AND", "full_name_fuzzy", "archer"), []string{"0", "2"}},
		{"created after", q("AND", "created_at_greater_than", at(2)), []string{"2", "3", "pw"}},
		{"created before", q("AND", "created_at_less_than", at(2)), []string{"0", "1"}},
		{"created between", q("AND", "created_at_between", obj{"greater_than": at(1), "less_than": at(3)}), []string{"1", "2"}},
		{"email verified", q("AND", "email_verified", false), []string{"0", "1", "2", "pw"}},
		{"phone verified", q("AND", "phone_verified", true), nil},
		{"password exists", q("AND", "password_exists", true), []string{"pw"}},
		{"and", q("AND", "email_address_fuzzy", "alpha", "full_name_fuzzy", "cid"), []string{"2"}},
		{"or", q("OR", "status", "pending", "password_exists", true), []string{"1", "pw"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := obj{}
			if tc.query != nil {
				body["query"] = tc.query
			}
			out := e.must(t, "POST", "/v1/users/search", body)
			wantKeys(t, "search response", out, "request_id", "status_code", "results", "results_metadata")
			var got []string
			for _, r := range out["results"].([]any) {
				wantKeys(t, "result", r, userKeys...)
				for name, id := range ids {
					if r.(obj)["user_id"] == id {
						got = append(got, name)
					}
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("results %v, want %v", got, tc.want)
			}
			md := out["results_metadata"].(obj)
			if md["total"] != float64(len(tc.want)) || md["next_cursor"] != nil {
				t.Errorf("results_metadata = %v", md)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		var seen []string
		cursor := ""
		for page := 0; ; page++ {
			body := obj{"limit": 2}
			if cursor != "" {
				body["cursor"] = cursor
			}
			out := e.must(t, "POST", "/v1/users/search", body)
			for _, r := range out["results"].([]any) {
				seen = append(seen, r.(obj)["user_id"].(string))
			}
			md := out["results_metadata"].(obj)
			if md["total"] != float64(5) {
				t.Errorf("total = %v, want 5", md["total"])
			}
			if md["next_cursor"] == nil {
				break
			}
			cursor = md["next_cursor"].(string)
			if page > 3 {
				t.Fatal("pagination does not end")
			}
		}
		want := []string{ids["0"], ids["1"], ids["2"], ids["3"], ids["pw"]}
		if !slices.Equal(seen, want) {
			t.Errorf("paged through %v, want oldest first %v", seen, want)
		}
	})

	for _, tc := range []struct {
		name    string
		body    obj
		errType string
	}{
		{"unknown filter", obj{"query": q("AND", "oauth_provider", "google")}, "invalid_search_query"},
		{"bad operator", obj{"query": obj{"operator": "XOR", "operands": []any{}}}, "invalid_search_query"},
		{"status value", obj{"query": q("AND", "status", "deleted")}, "invalid_search_query"},
		{"ids not array", obj{"query": q("AND", "user_id", "x")}, "invalid_search_query"},
		{"bool not bool", obj{"query": q("AND", "email_verified", "yes")}, "invalid_search_query"},
		{"bad time", obj{"query": q("AND", "created_at_greater_than", "yesterday")}, "invalid_search_query"},
		{"between half", obj{"query": q("AND", "created_at_between", obj{"greater_than": at(1)})}, "invalid_search_query"},
		{"limit", obj{"limit": 1001}, "invalid_limit"},
		{"cursor", obj{"cursor": "!!not-a-cursor"}, "invalid_cursor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.fails(t, 400, tc.errType, "POST", "/v1/users/search", tc.body)
		})
	}
}

// q builds a query from (filter_name, filter_value) pairs.
func q(op string, pairs ...any) obj {
	var operands []any
	for i := 0; i < len(pairs); i += 2 {
		operands = append(operands, obj{"filter_name": pairs[i], "filter_value": pairs[i+1]})
	}
	return obj{"operator": op, "operands": operands}
}
