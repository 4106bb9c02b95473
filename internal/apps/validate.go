package apps

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf8"

	"github.com/signet-id/signet/internal/api"
)

const (
	statusActive   = "active"
	statusInactive = "inactive"
)

// Limits on what a client record may hold. They keep rows (and the token
// endpoint's cache) small; none is a Stytch-documented value.
const (
	maxScopes       = 100
	maxScopeLen     = 128
	maxClientIDLen  = 128
	maxSecretLen    = 256
	minSecretLen    = 16
	maxTextLen      = 1024
	maxMetadataSize = 4096
)

// checkScopes validates scope tokens and drops duplicates, keeping order.
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), so no
// spaces (the token request joins scopes with spaces), quotes or
// backslashes.
func checkScopes(scopes []string) ([]string, error) {
	if len(scopes) > maxScopes {
		return nil, api.BadRequest("invalid_scopes", "A client may have at most %d scopes.", maxScopes)
	}
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if s == "" || len(s) > maxScopeLen || !isScopeToken(s) {
			return nil, api.BadRequest("invalid_scopes",
				"Scope %q is not valid: scopes are 1 to %d printable ASCII characters without spaces, quotes or backslashes (RFC 6749 §3.3).", s, maxScopeLen)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func isScopeToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// checkClientID validates an imported client_id. It travels in forms, in
// HTTP Basic (URL-encoded, RFC 6749 §2.3.1) and as the sub of every token,
// so it is restricted to visible ASCII.
func checkClientID(id string) error {
	if len(id) > maxClientIDLen || !isVisibleASCII(id) {
		return api.BadRequest("invalid_client_id", "client_id must be 1 to %d visible ASCII characters.", maxClientIDLen)
	}
	return nil
}

// checkImportedSecret validates an imported client_secret. Generated
// secrets are 256-bit; an imported one is whatever the old system made, so
// only a floor is enforced. The server pepper keeps even a short secret's
// stored HMAC from being brute-forced from a database dump alone.
func checkImportedSecret(s string) error {
	if len(s) < minSecretLen || len(s) > maxSecretLen || !isVisibleASCII(s) {
		return api.BadRequest("invalid_client_secret", "client_secret must be %d to %d visible ASCII characters.", minSecretLen, maxSecretLen)
	}
	return nil
}

// isVisibleASCII reports whether s is non-empty and all %x21-7E.
func isVisibleASCII(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// checkMetadata requires trusted_metadata, when given, to be a JSON object
// (null or absent means {}) of bounded size. It returns the compacted form.
func checkMetadata(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}"), nil
	}
	var obj map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		return nil, api.BadRequest("invalid_trusted_metadata", "trusted_metadata must be a JSON object.")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, api.BadRequest("invalid_trusted_metadata", "trusted_metadata must be a JSON object.")
	}
	if buf.Len() > maxMetadataSize {
		return nil, api.BadRequest("invalid_trusted_metadata", "trusted_metadata must be at most %d bytes.", maxMetadataSize)
	}
	return buf.Bytes(), nil
}

// checkText bounds client_name and client_description.
func checkText(name, description string) error {
	for _, s := range [...]string{name, description} {
		if len(s) > maxTextLen || !utf8.ValidString(s) {
			return api.BadRequest("invalid_argument", "client_name and client_description must be valid UTF-8 of at most %d bytes.", maxTextLen)
		}
	}
	return nil
}
