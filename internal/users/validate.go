package users

import (
	"time"
	"unicode/utf8"

	"github.com/signet-id/signet/internal/store"
)

// The fields only users have. Those every Stytch record shares (email,
// phone, external ID, metadata, roles) are checked in internal/api, through
// fields.go.

// apply copies the parts present in n onto name.
func (n *NameUpdate) apply(name *store.Name) error {
	if n == nil {
		return nil
	}
	for _, p := range []struct {
		in  *string
		out *string
	}{{n.FirstName, &name.First}, {n.MiddleName, &name.Middle}, {n.LastName, &name.Last}} {
		if p.in == nil {
			continue
		}
		if utf8.RuneCountInString(*p.in) > maxNamePart || !utf8.ValidString(*p.in) {
			return invalid("invalid_name", "Each part of name may have at most %d characters.", maxNamePart)
		}
		*p.out = *p.in
	}
	return nil
}

// maxAddressPart bounds each member of an address.
const maxAddressPart = 256

// checkAddress accepts an OIDC address (Core §5.1.1) whose members are
// short, valid UTF-8; an address with no members is no address.
func checkAddress(a *store.Address) (*store.Address, error) {
	if a == nil {
		return nil, nil
	}
	for _, part := range []string{a.Formatted, a.StreetAddress, a.Locality, a.Region, a.PostalCode, a.Country} {
		if utf8.RuneCountInString(part) > maxAddressPart || !utf8.ValidString(part) {
			return nil, invalid("invalid_address", "Each part of address may have at most %d characters.", maxAddressPart)
		}
	}
	if *a == (store.Address{}) {
		return nil, nil
	}
	return a, nil
}

// checkBirthdate accepts a calendar date YYYY-MM-DD (ISO 8601, the OIDC
// birthdate claim's full form, Core §5.1) that is not in the future.
func checkBirthdate(s string, now time.Time) error {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || d.After(now) {
		return invalid("invalid_birthdate", "birthdate %q must be a past date in the form YYYY-MM-DD.", truncate(s))
	}
	return nil
}
