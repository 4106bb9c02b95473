package rbac

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/signet-id/signet/internal/store"
)

func TestMemberRoles(t *testing.T) {
	direct := `{"type":"direct_assignment","details":{}}`
	email := func(d string) string { return `{"type":"email_assignment","details":{"email_domain":"` + d + `"}}` }
	member := `{"role_id":"stytch_member","sources":[` + direct + `]}`
	acme := []store.EmailRole{{Domain: "acme.example", RoleID: "editor"}, {Domain: "acme.example", RoleID: "viewer"},
		{Domain: "partner.example", RoleID: "billing"}}
	for _, tc := range []struct {
		name     string
		explicit []string
		email    string
		implicit []store.EmailRole
		want     string
	}{
		{"stytch_member alone", nil, "ada@acme.example", nil, `[` + member + `]`},
		{"explicit in order", []string{"b", "a"}, "ada@x.example", acme,
			`[` + member + `,{"role_id":"b","sources":[` + direct + `]},{"role_id":"a","sources":[` + direct + `]}]`},
		{"implied by the domain", nil, "ada@acme.example", acme,
			`[` + member + `,{"role_id":"editor","sources":[` + email("acme.example") + `]},{"role_id":"viewer","sources":[` + email("acme.example") + `]}]`},
		{"domain compared case-insensitively", nil, "Ada@Partner.Example", acme,
			`[` + member + `,{"role_id":"billing","sources":[` + email("partner.example") + `]}]`},
		{"assigned and implied: one role, both sources", []string{"viewer"}, "ada@acme.example", acme,
			`[` + member + `,{"role_id":"viewer","sources":[` + direct + `,` + email("acme.example") + `]},{"role_id":"editor","sources":[` + email("acme.example") + `]}]`},
		{"a subdomain is not the domain", nil, "ada@labs.acme.example", acme, `[` + member + `]`},
		{"a suffix is not the domain", nil, "ada@notacme.example", acme, `[` + member + `]`},
		{"no email", nil, "", acme, `[` + member + `]`},
		{"stytch_member explicit is one entry", []string{"stytch_member"}, "", nil, `[` + member + `]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(MemberRoles(tc.explicit, tc.email, tc.implicit))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("MemberRoles = %s\nwant           %s", b, tc.want)
			}
		})
	}
}

func TestUserRoles(t *testing.T) {
	for _, tc := range []struct {
		in, want []string
	}{
		{nil, []string{"stytch_user"}},
		{[]string{"admin"}, []string{"stytch_user", "admin"}},
		{[]string{"admin", "stytch_user", "admin"}, []string{"stytch_user", "admin"}},
	} {
		if got := UserRoles(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("UserRoles(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestImplicitRolesAuthorize: the roles an email domain gives count in
// checks like assigned ones.
func TestImplicitRolesAuthorize(t *testing.T) {
	c := mustParse(t, `{"resources":[{"resource_id":"documents","description":"","actions":["read","write"]}],
		"roles":[{"role_id":"stytch_member","description":"","permissions":[]},{"role_id":"stytch_admin","description":"","permissions":[]},
		{"role_id":"editor","description":"","permissions":[{"resource_id":"documents","actions":["write"]}]}],"scopes":[]}`, B2B)
	o := store.Organization{EmailImplicitRoles: []store.EmailRole{{Domain: "acme.example", RoleID: "editor"}}}
	for _, tc := range []struct {
		email string
		want  error
	}{{"ada@acme.example", nil}, {"ada@other.example", ErrDenied}} {
		granting, err := c.Authorize(EffectiveMemberRoles(store.Member{Email: tc.email}, o), "documents", "write")
		if !errors.Is(err, tc.want) || (err == nil && !slices.Equal(granting, []string{"editor"})) {
			t.Errorf("%s: granting %v, %v; want %v", tc.email, granting, err, tc.want)
		}
	}
}
