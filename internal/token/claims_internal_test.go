package token

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// age_over_N is true from the Nth birthday on; someone born on 29
// February has it on 1 March of a common year.
func TestAgeOver(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d.Add(13 * time.Hour)
	}
	yes, no := ptr(true), ptr(false)
	for _, tt := range []struct {
		name, birthdate string
		n               int
		now             string
		want            *bool
	}{
		{"birthday today", "2000-06-15", 18, "2018-06-15", yes},
		{"day before", "2000-06-15", 18, "2018-06-14", no},
		{"day after", "2000-06-15", 18, "2018-06-16", yes},
		{"month before", "2000-06-15", 21, "2021-05-20", no},
		{"long past", "1950-01-01", 25, "2026-11-23", yes},
		{"a child", "2020-01-01", 18, "2026-11-23", no},
		{"29 Feb, leap year birthday", "2004-02-29", 18, "2024-02-29", yes}, // 20th birthday
		{"29 Feb, 28 Feb of a common year", "2004-02-29", 21, "2025-02-28", no},
		{"29 Feb, 1 Mar of a common year", "2004-02-29", 21, "2025-03-01", yes},
		{"28 Feb birthday, 28 Feb of a leap year", "2003-02-28", 25, "2028-02-28", yes},
		{"29 Feb, the day before in a leap year", "2000-02-29", 24, "2024-02-28", no},
		{"29 Feb, on the day in a leap year", "2000-02-29", 24, "2024-02-29", yes},
		{"no birthdate", "", 18, "2026-11-23", nil},
		{"year only", "1990", 18, "2026-11-23", nil},
		{"year withheld", "0000-06-15", 18, "2026-11-23", nil},
		{"not a date", "15/06/2000", 18, "2026-11-23", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ageOver(tt.birthdate, tt.n, day(tt.now))
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Errorf("ageOver(%q, %d, %s) = %v, want %v", tt.birthdate, tt.n, tt.now, deref(got), deref(tt.want))
			}
		})
	}
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

// What scopes and the claims request release, and where (OIDC Core §5.4,
// §5.5).
func TestReleased(t *testing.T) {
	for _, tt := range []struct {
		name   string
		scopes []string
		req    string
		target string
		want   []string
	}{
		{"profile", []string{"openid", "profile"}, "", inIDToken,
			[]string{"name", "given_name", "family_name", "middle_name", "birthdate", "updated_at"}},
		{"address", []string{"address"}, "", inUserInfo, []string{"address"}},
		{"ages", []string{"age_over_21", "age_over_18"}, "", inIDToken, []string{"age_over_21", "age_over_18"}},
		{"payment_details in userinfo", []string{"payment_details"}, "", inUserInfo, []string{"payment_details"}},
		{"payment_details not in the ID token by scope", []string{"payment_details"}, "", inIDToken, nil},
		{"payment_details in the ID token by request", []string{"payment_details"},
			`{"id_token":{"payment_details":null}}`, inIDToken, []string{"payment_details"}},
		{"request forms all release", nil,
			`{"id_token":{"email":{"essential":true},"birthdate":null,"address":{"value":"x"},"age_over_18":{"values":[true]}}}`,
			inIDToken, []string{"address", "age_over_18", "birthdate", "email"}},
		{"request for the other target", nil, `{"userinfo":{"email":null}}`, inIDToken, nil},
		{"unknown names ignored", nil, `{"userinfo":{"shoe_size":null,"sub":{"value":"x"},"email":null}}`, inUserInfo, []string{"email"}},
		{"no duplicates", []string{"email"}, `{"userinfo":{"email":null}}`, inUserInfo, []string{"email", "email_verified"}},
		{"malformed request ignored", []string{"email"}, `{"userinfo":[1]}`, inUserInfo, []string{"email", "email_verified"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var req json.RawMessage
			if tt.req != "" {
				req = json.RawMessage(tt.req)
			}
			if got := released(tt.scopes, req, tt.target); !slices.Equal(got, tt.want) {
				t.Errorf("released = %v, want %v", got, tt.want)
			}
		})
	}
}

// Claims without a value are left out (OIDC Core §5.3.2).
func TestClaimsForOmitsEmpty(t *testing.T) {
	all := released([]string{"profile", "email", "address", "phone", "age_over_18", "payment_details"}, nil, inUserInfo)
	b, _ := json.Marshal(claimsFor(store.User{Address: &store.Address{}}, all, time.Now()))
	if string(b) != "{}" {
		t.Errorf("claims of an empty user = %s, want {}", b)
	}
	u := store.User{Birthdate: "2000-01-02", Address: &store.Address{Locality: "Springfield"},
		PaymentDetails: json.RawMessage(`[{"identifier":"1"}]`)}
	b, _ = json.Marshal(claimsFor(u, all, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)))
	want := `{"birthdate":"2000-01-02","address":{"locality":"Springfield"},"age_over_18":true,"payment_details":[{"identifier":"1"}]}`
	if string(b) != want {
		t.Errorf("claims = %s, want %s", b, want)
	}
}

// Members other than id_token and userinfo are ignored (Core §5.5), even
// when they are not objects: they do not void the rest of the request.
func TestRequestedClaimsIgnoresOtherMembers(t *testing.T) {
	req := json.RawMessage(`{"userinfo":{"payment_details":null},"id_token":{"email":null,"made_up":null},"purpose":"KYC"}`)
	if got := requestedClaims(req, inUserInfo); !slices.Equal(got, []string{claimPaymentDetails}) {
		t.Errorf("userinfo = %v", got)
	}
	if got := requestedClaims(req, inIDToken); !slices.Equal(got, []string{"email"}) {
		t.Errorf("id_token = %v", got)
	}
	if got := requestedClaims(json.RawMessage(`{"userinfo":"x"}`), inUserInfo); got != nil {
		t.Errorf("malformed request released %v", got)
	}
}

// The stored claims request came from a client: reading it never panics
// and releases only claims Signet knows.
func FuzzRequestedClaims(f *testing.F) {
	f.Add(`{"id_token":{"email":{"essential":true}},"userinfo":{"payment_details":null}}`)
	f.Add(`{"userinfo":[]}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, member := range []string{inIDToken, inUserInfo} {
			for _, n := range requestedClaims(json.RawMessage(s), member) {
				if !knownClaim(n) {
					t.Fatalf("released unknown claim %q", n)
				}
			}
		}
	})
}
