package rp

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// SelectorURL is where the Origin URL sends a browser that arrived without
// an iss: [Config.AccountSelectorURL] with client_id, visitor_id, scope
// ([Config.Scopes], space-separated) and claims (the requested claim names,
// space-separated; see [ClaimNames]), as the Node client v5 builds it, but
// properly query-encoded. All four parameters are always present, possibly
// empty.
func (c *Client) SelectorURL(visitorID string, claimNames ...string) (string, error) {
	base := c.cfg.AccountSelectorURL
	if base == "" {
		return "", errors.New("rp: no AccountSelectorURL configured")
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	// Built by hand to keep the Node client's parameter order.
	return base + sep +
		"client_id=" + url.QueryEscape(c.cfg.ClientID) +
		"&visitor_id=" + url.QueryEscape(visitorID) +
		"&scope=" + url.QueryEscape(strings.Join(c.cfg.Scopes, " ")) +
		"&claims=" + url.QueryEscape(strings.Join(dedupe(claimNames), " ")), nil
}

// ClaimNames returns the claim names of an OIDC Core §5.5 claims request,
// userinfo members first and then id_token members, without duplicates: the
// claims value [Client.SelectorURL] wants. Members are in JSON order.
func ClaimNames(claimsJSON []byte) ([]string, error) {
	var req struct {
		Userinfo orderedKeys `json:"userinfo"`
		IDToken  orderedKeys `json:"id_token"`
	}
	if err := json.Unmarshal(claimsJSON, &req); err != nil {
		return nil, errors.New("rp: claims request is not a JSON object")
	}
	return dedupe(append(req.Userinfo, req.IDToken...)), nil
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// orderedKeys decodes a JSON object (or null) into its member names, in
// document order.
type orderedKeys []string

func (k *orderedKeys) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("not an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		*k = append(*k, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}
