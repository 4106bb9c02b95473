package users

import (
	"bytes"
	"encoding/json"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/signet-id/signet/internal/store"
)

// Limits on what callers store. Stytch documents 4 KB and 20 top-level
// keys for metadata (docs: "Metadata restrictions"); custom session claims
// share the limit since they travel in every JWT.
const (
	maxMetadataBytes = 4096
	maxMetadataKeys  = 20
	maxExternalID    = 128
	maxNamePart      = 256
	maxRoles         = 50
	maxRole          = 128
	maxEmail         = 254 // RFC 5321 §4.5.3.1.3 path limit, less the brackets
)

// checkEmail accepts a bare addr-spec (RFC 5322 §3.4.1) with a dotted
// domain, the form a user can receive mail at; display names, comments and
// quoted local parts are refused.
func checkEmail(s string) error {
	bad := invalid("invalid_email", "email %q is not a valid email address.", truncate(s))
	if s == "" || len(s) > maxEmail || strings.ContainsAny(s, " \t\r\n\"<>()[]\\,;:") {
		return bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return bad
	}
	local, domain, _ := strings.Cut(s, "@")
	if len(local) > 64 || !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return bad
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return bad
		}
	}
	return nil
}

// checkPhone accepts an E.164 number (ITU-T E.164 §6): "+", a country code
// not starting with 0, at most 15 digits in all. Signet checks the form
// only; whether the number is assigned is the carrier's business.
func checkPhone(s string) error {
	ok := len(s) >= 8 && len(s) <= 16 && s[0] == '+' && s[1] >= '1' && s[1] <= '9'
	for i := 2; ok && i < len(s); i++ {
		ok = s[i] >= '0' && s[i] <= '9'
	}
	if !ok {
		return invalid("invalid_phone_number",
			"phone_number %q is not an E.164 number such as +12025550123.", truncate(s))
	}
	return nil
}

// checkExternalID applies Stytch's rule: 1-128 characters of
// [A-Za-z0-9._|-].
func checkExternalID(s string) error {
	ok := s != "" && len(s) <= maxExternalID
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '|' || c == '-'
	}
	if !ok {
		return invalid("invalid_external_id",
			"external_id must be 1 to %d characters of letters, digits, '.', '_', '|' and '-'.", maxExternalID)
	}
	return nil
}

// metadataObject checks a metadata document and returns it compacted; an
// absent or null document is nil. field names it in the error.
func metadataObject(field string, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, invalid("invalid_metadata", "%s must be a JSON object.", field)
	}
	return encodeMetadata(field, m)
}

// encodeMetadata serializes m and enforces the limits.
func encodeMetadata(field string, m map[string]json.RawMessage) (json.RawMessage, error) {
	if len(m) > maxMetadataKeys {
		return nil, invalid("invalid_metadata", "%s has %d top-level keys; at most %d are allowed.", field, len(m), maxMetadataKeys)
	}
	for k, v := range m {
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return nil, invalid("invalid_metadata", "%s is not valid JSON.", field)
		}
		m[k] = buf.Bytes()
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if len(b) > maxMetadataBytes {
		return nil, invalid("invalid_metadata", "%s is %d bytes; at most %d are allowed.", field, len(b), maxMetadataBytes)
	}
	return b, nil
}

// mergeMetadata applies an update to stored metadata the Stytch way
// (docs: "Metadata update behavior"): top-level keys of the update replace
// stored ones, a null value deletes its key, nothing nests.
func mergeMetadata(field string, stored, update json.RawMessage) (json.RawMessage, error) {
	if len(update) == 0 || string(update) == "null" {
		if len(stored) == 0 {
			return nil, nil
		}
		return stored, nil
	}
	var upd map[string]json.RawMessage
	if err := json.Unmarshal(update, &upd); err != nil {
		return nil, invalid("invalid_metadata", "%s must be a JSON object.", field)
	}
	m := map[string]json.RawMessage{}
	if len(stored) > 0 {
		if err := json.Unmarshal(stored, &m); err != nil {
			return nil, err
		}
	}
	for k, v := range upd {
		if string(v) == "null" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return encodeMetadata(field, m)
}

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

func checkRoles(roles []string) error {
	if len(roles) > maxRoles {
		return invalid("invalid_roles", "At most %d roles are allowed.", maxRoles)
	}
	for _, r := range roles {
		if r == "" || len(r) > maxRole {
			return invalid("invalid_roles", "Each role must be 1 to %d characters.", maxRole)
		}
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

// truncate keeps echoed input short in messages.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
