package authorize

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Authentication context class references Signet can prove (OpenID
// Connect Core §2 acr): what the session's factors show, nothing claimed
// beyond them. A session started by a bank verification also proves the
// acr the bank asserted, whatever it is.
const (
	// ACRPassword: the user signed in with their password.
	ACRPassword = "urn:signet:acr:password"
	// ACRBank: the user was verified by their bank (OpenID Connect, PAR,
	// JAR, JARM and PKCE to a bank of the project's registry).
	ACRBank = "urn:signet:acr:bank"
)

// ACRValues are the acr values Signet's own authentication proves, for the
// discovery document's acr_values_supported.
func ACRValues() []string { return []string{ACRPassword, ACRBank} }

// requestedACRs reads the acr values a request asks for, in order of
// preference: acr_values (OIDC Core §3.1.2.1), then the claims request's
// id_token acr value or values (§5.5.1.1).
func requestedACRs(params url.Values) []string {
	out := strings.Fields(params.Get("acr_values"))
	c, err := oidc.ParseClaimsRequest([]byte(params.Get("claims")))
	if err != nil || c.IDToken["acr"] == nil {
		return out
	}
	var acr struct {
		Value  string   `json:"value"`
		Values []string `json:"values"`
	}
	if json.Unmarshal(c.IDToken["acr"], &acr) == nil {
		if acr.Value != "" {
			out = append(out, acr.Value)
		}
		out = append(out, acr.Values...)
	}
	return out
}

// provenACRs are the acr values a session's factors prove.
func provenACRs(s *store.Session) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, f := range s.Factors {
		switch {
		case f.Type == "password":
			out = append(out, ACRPassword)
		case f.DeliveryMethod == "oauth_bank":
			out = append(out, ACRBank)
			var d struct {
				ACR string `json:"acr"`
			}
			if json.Unmarshal(f.Detail, &d) == nil && d.ACR != "" {
				out = append(out, d.ACR)
			}
		}
	}
	return out
}

// chooseACR is the acr of the ID tokens: the first requested value the
// session proves, or "" (no acr claim) when none was requested or none is
// proven. A voluntary request is answered so (OIDC Core §3.1.2.1); Signet
// never states an acr it cannot prove.
func chooseACR(requested []string, s *store.Session) string {
	proven := provenACRs(s)
	for _, v := range requested {
		if slices.Contains(proven, v) {
			return v
		}
	}
	return ""
}
