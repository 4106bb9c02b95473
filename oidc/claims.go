package oidc

import "encoding/json"

// ClaimsRequest is an OpenID Connect Core §5.5 claims request: the
// claims asked for by name in the ID token and at UserInfo, each with its
// request (null, {"essential": true}, {"value": ...}, {"values": [...]}).
// Other members of the request are ignored.
type ClaimsRequest struct {
	IDToken  map[string]json.RawMessage
	UserInfo map[string]json.RawMessage
}

// ClaimsRequestError says which part of a claims request is not a JSON
// object: Member is "id_token" or "userinfo", or "" for the whole.
type ClaimsRequestError struct{ Member string }

func (e *ClaimsRequestError) Error() string {
	if e.Member == "" {
		return "oidc: the claims request is not a JSON object"
	}
	return "oidc: the claims request's " + e.Member + " member is not a JSON object"
}

// ParseClaimsRequest reads a claims request: a JSON object whose id_token
// and userinfo members, when present, are objects (*[ClaimsRequestError]
// otherwise).
func ParseClaimsRequest(b []byte) (ClaimsRequest, error) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil || obj == nil {
		return ClaimsRequest{}, &ClaimsRequestError{}
	}
	var r ClaimsRequest
	for _, m := range []struct {
		name string
		dst  *map[string]json.RawMessage
	}{{"id_token", &r.IDToken}, {"userinfo", &r.UserInfo}} {
		raw, ok := obj[m.name]
		if !ok {
			continue
		}
		if json.Unmarshal(raw, m.dst) != nil || *m.dst == nil {
			return ClaimsRequest{}, &ClaimsRequestError{Member: m.name}
		}
	}
	return r, nil
}

// Names are the claim names asked for in either place.
func (r ClaimsRequest) Names() []string {
	names := make([]string, 0, len(r.IDToken)+len(r.UserInfo))
	for _, m := range []map[string]json.RawMessage{r.IDToken, r.UserInfo} {
		for n := range m {
			names = append(names, n)
		}
	}
	return names
}
