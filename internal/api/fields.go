package api

import (
	"bytes"
	"encoding/json"
	"net/mail"
	"strings"
)

// The fields Stytch's records share, checked the same way wherever they
// appear (users, organizations, members): email addresses, E.164 phone
// numbers, external IDs, metadata documents and role lists. Each check
// returns a 400 envelope error naming what is wrong.

// Limits on what callers store. Stytch documents 4 KB and 20 top-level
// keys for metadata (docs: "Metadata restrictions"); custom session claims
// share the limit since they travel in every JWT.
const (
	MaxMetadataBytes = 4096
	MaxMetadataKeys  = 20
	MaxExternalID    = 128
	MaxNamePart      = 256
	MaxRoles         = 50
	MaxRole          = 128
	MaxEmail         = 254 // RFC 5321 §4.5.3.1.3 path limit, less the brackets
)

// CheckEmail accepts a bare addr-spec (RFC 5322 §3.4.1) with a dotted
// domain, the form a user can receive mail at; display names, comments and
// quoted local parts are refused.
func CheckEmail(s string) error {
	bad := BadRequest("invalid_email", "email %q is not a valid email address.", Truncate(s))
	if s == "" || len(s) > MaxEmail || strings.ContainsAny(s, " \t\r\n\"<>()[]\\,;:") {
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

// CheckPhone accepts an E.164 number (ITU-T E.164 §6): "+", a country code
// not starting with 0, at most 15 digits in all. Signet checks the form
// only; whether the number is assigned is the carrier's business.
func CheckPhone(s string) error {
	ok := len(s) >= 8 && len(s) <= 16 && s[0] == '+' && s[1] >= '1' && s[1] <= '9'
	for i := 2; ok && i < len(s); i++ {
		ok = s[i] >= '0' && s[i] <= '9'
	}
	if !ok {
		return BadRequest("invalid_phone_number",
			"phone_number %q is not an E.164 number such as +12025550123.", Truncate(s))
	}
	return nil
}

// CheckExternalID applies Stytch's rule: 1-128 characters of
// [A-Za-z0-9._|-].
func CheckExternalID(s string) error {
	ok := s != "" && len(s) <= MaxExternalID
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '|' || c == '-'
	}
	if !ok {
		return BadRequest("invalid_external_id",
			"external_id must be 1 to %d characters of letters, digits, '.', '_', '|' and '-'.", MaxExternalID)
	}
	return nil
}

// MetadataObject checks a metadata document and returns it compacted; an
// absent or null document is nil. field names it in the error.
func MetadataObject(field string, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, BadRequest("invalid_metadata", "%s must be a JSON object.", field)
	}
	return encodeMetadata(field, m)
}

// encodeMetadata serializes m and enforces the limits.
func encodeMetadata(field string, m map[string]json.RawMessage) (json.RawMessage, error) {
	if len(m) > MaxMetadataKeys {
		return nil, BadRequest("invalid_metadata", "%s has %d top-level keys; at most %d are allowed.", field, len(m), MaxMetadataKeys)
	}
	for k, v := range m {
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return nil, BadRequest("invalid_metadata", "%s is not valid JSON.", field)
		}
		m[k] = buf.Bytes()
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, Internal(err)
	}
	if len(b) > MaxMetadataBytes {
		return nil, BadRequest("invalid_metadata", "%s is %d bytes; at most %d are allowed.", field, len(b), MaxMetadataBytes)
	}
	return b, nil
}

// MergeMetadata applies an update to stored metadata the Stytch way
// (docs: "Metadata update behavior"): top-level keys of the update replace
// stored ones, a null value deletes its key, nothing nests.
func MergeMetadata(field string, stored, update json.RawMessage) (json.RawMessage, error) {
	if len(update) == 0 || string(update) == "null" {
		if len(stored) == 0 {
			return nil, nil
		}
		return stored, nil
	}
	var upd map[string]json.RawMessage
	if err := json.Unmarshal(update, &upd); err != nil {
		return nil, BadRequest("invalid_metadata", "%s must be a JSON object.", field)
	}
	m := map[string]json.RawMessage{}
	if len(stored) > 0 {
		if err := json.Unmarshal(stored, &m); err != nil {
			return nil, Internal(err)
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

// CheckRoles accepts at most MaxRoles role IDs of 1 to MaxRole bytes.
func CheckRoles(roles []string) error {
	if len(roles) > MaxRoles {
		return BadRequest("invalid_roles", "At most %d roles are allowed.", MaxRoles)
	}
	for _, r := range roles {
		if r == "" || len(r) > MaxRole {
			return BadRequest("invalid_roles", "Each role must be 1 to %d characters.", MaxRole)
		}
	}
	return nil
}

// Truncate keeps echoed input short in messages.
func Truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
