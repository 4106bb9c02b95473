package apps

import (
	"slices"
	"testing"
)

func TestSearch(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i, scopes := range [][]string{{"read"}, {"write"}, {"read", "write"}, {"admin"}} {
		ids = append(ids, e.create(map[string]any{"scopes": scopes, "client_id": "client-" + string(rune('a'+i))})["client_id"].(string))
	}
	e.call("PUT", "/v1/m2m/clients/"+ids[3], map[string]any{"status": "inactive"})

	found := func(out map[string]any) []string {
		var got []string
		for _, c := range out["m2m_clients"].([]any) {
			got = append(got, c.(map[string]any)["client_id"].(string))
		}
		return got
	}
	tests := []struct {
		name      string
		body      string
		want      []string
		wantTotal int
	}{
		{"all", `{}`, ids, 4},
		{"by id", `{"query":{"operator":"AND","operands":[{"filter_name":"client_id","filter_value":["client-b","client-d"]}]}}`, []string{"client-b", "client-d"}, 2},
		{"by scope (any of)", `{"query":{"operator":"AND","operands":[{"filter_name":"scopes","filter_value":["write"]}]}}`, []string{"client-b", "client-c"}, 2},
		{"by status", `{"query":{"operator":"AND","operands":[{"filter_name":"status","filter_value":"inactive"}]}}`, []string{"client-d"}, 1},
		{"status as list", `{"query":{"operands":[{"filter_name":"status","filter_value":["active"]}]}}`, ids[:3], 3},
		{"unknown filter", `{"query":{"operator":"AND","operands":[{"filter_name":"scopes","filter_value":["read"]},{"filter_name":"client_name","filter_value":["x"]}]}}`, nil, -1},
		{"AND of two", `{"query":{"operator":"AND","operands":[{"filter_name":"scopes","filter_value":["read"]},{"filter_name":"client_id","filter_value":["client-c","client-d"]}]}}`, []string{"client-c"}, 1},
		{"OR of two", `{"query":{"operator":"OR","operands":[{"filter_name":"scopes","filter_value":["admin"]},{"filter_name":"client_id","filter_value":["client-a"]}]}}`, []string{"client-a", "client-d"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _ := e.call("POST", "/v1/m2m/clients/search", tt.body)
			if tt.wantTotal < 0 {
				if code != 400 || out["error_type"] != "invalid_search_query" {
					t.Errorf("got %d %v, want 400 invalid_search_query", code, out)
				}
				return
			}
			if code != 200 {
				t.Fatalf("search = %d %v", code, out)
			}
			if got := found(out); !slices.Equal(got, tt.want) {
				t.Errorf("found %v, want %v", got, tt.want)
			}
			md := out["results_metadata"].(map[string]any)
			if md["total"] != float64(tt.wantTotal) || md["next_cursor"] != nil {
				t.Errorf("results_metadata = %v", md)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		var got []string
		cursor := ""
		for range 5 {
			body := map[string]any{"limit": 3}
			if cursor != "" {
				body["cursor"] = cursor
			}
			code, out, _ := e.call("POST", "/v1/m2m/clients/search", body)
			if code != 200 {
				t.Fatalf("search = %d %v", code, out)
			}
			got = append(got, found(out)...)
			next, _ := out["results_metadata"].(map[string]any)["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if !slices.Equal(got, ids) {
			t.Errorf("paged through %v, want %v", got, ids)
		}
	})

	for _, tt := range []struct{ name, body, wantType string }{
		{"bad cursor", `{"cursor":"!!"}`, "invalid_cursor"},
		{"bad limit", `{"limit":5000}`, "invalid_limit"},
		{"bad operator", `{"query":{"operator":"XOR","operands":[]}}`, "invalid_search_query"},
		{"repeated filter", `{"query":{"operands":[{"filter_name":"client_id","filter_value":["a"]},{"filter_name":"client_id","filter_value":["b"]}]}}`, "invalid_search_query"},
		{"empty values", `{"query":{"operands":[{"filter_name":"client_id","filter_value":[]}]}}`, "invalid_search_query"},
		{"bad status", `{"query":{"operands":[{"filter_name":"status","filter_value":"gone"}]}}`, "invalid_search_query"},
		{"number value", `{"query":{"operands":[{"filter_name":"scopes","filter_value":[1]}]}}`, "invalid_search_query"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _ := e.call("POST", "/v1/m2m/clients/search", tt.body)
			if code != 400 || out["error_type"] != tt.wantType {
				t.Errorf("got %d %v, want 400 %s", code, out, tt.wantType)
			}
		})
	}
}
