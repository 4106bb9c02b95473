package api

import (
	"encoding/json"
	"errors"
	"net/mail"
	"strings"
	"testing"
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
		if err := CheckEmail(tc.in); (err == nil) != tc.ok {
			t.Errorf("CheckEmail(%q) = %v, want ok=%v", tc.in, err, tc.ok)
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
		if err := CheckPhone(tc.in); (err == nil) != tc.ok {
			t.Errorf("CheckPhone(%q) = %v, want ok=%v", tc.in, err, tc.ok)
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
		if err := CheckExternalID(tc.in); (err == nil) != tc.ok {
			t.Errorf("CheckExternalID(%q) = %v, want ok=%v", tc.in, err, tc.ok)
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
		got, err := MergeMetadata("m", json.RawMessage(tc.stored), json.RawMessage(tc.update))
		if err != nil || string(got) != tc.want {
			t.Errorf("merge(%s, %s) = %s, %v; want %s", tc.stored, tc.update, got, err, tc.want)
		}
	}
}

// Every rejection of outside input is a 400 envelope error, never a panic
// or an internal error.
func wantClientError(t *testing.T, what string, err error) {
	t.Helper()
	var e *Error
	if err != nil && (!errors.As(err, &e) || e.Status != 400) {
		t.Fatalf("%s: error %v is not a 400", what, err)
	}
}

func FuzzCheckEmail(f *testing.F) {
	for _, s := range []string{"ada@example.com", "a@b.c", "x <y@z.w>", "@", "a@b..c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckEmail(s)
		wantClientError(t, "CheckEmail", err)
		if err == nil {
			if a, perr := mail.ParseAddress(s); perr != nil || a.Address != s || len(s) > MaxEmail {
				t.Fatalf("accepted %q, which is not a bare address", s)
			}
		}
	})
}

func FuzzMetadata(f *testing.F) {
	f.Add(`{"a":1}`, `{"a":null,"b":[1]}`)
	f.Add(``, `[]`)
	f.Fuzz(func(t *testing.T, stored, update string) {
		if stored != "" {
			var m map[string]json.RawMessage
			if json.Unmarshal([]byte(stored), &m) != nil || len(stored) > MaxMetadataBytes {
				return // stores only hold what MetadataObject accepted
			}
		}
		got, err := MergeMetadata("m", json.RawMessage(stored), json.RawMessage(update))
		wantClientError(t, "MergeMetadata", err)
		if err == nil && got != nil {
			var m map[string]json.RawMessage
			if json.Unmarshal(got, &m) != nil {
				t.Fatalf("merged %s is not an object", got)
			}
		}
	})
}
