package token

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/oidc"
)

// maxBody bounds a token request. Today's grants send a few hundred bytes;
// the bound leaves room for client assertions (RFC 7523) later.
const maxBody = 64 << 10

// Request is a token request, parsed once. Grants read their own
// parameters with Param.
type Request struct {
	// ProjectID is the project named in the path, "" on /v1/oauth2/token.
	ProjectID string
	GrantType string
	// Scope is the space-separated scope parameter (RFC 6749 §3.3).
	Scope string

	params map[string]string

	// The client's credentials, from the body or the Authorization header;
	// authenticate decides which method was used.
	clientID, clientSecret string // body (client_secret_post)
	basicID, basicSecret   string // header (client_secret_basic)
	basic                  bool
}

// Param returns a body parameter ("" if absent). RFC 6749 §3.2: a
// parameter sent without a value is treated as omitted.
func (r *Request) Param(name string) string { return r.params[name] }

func invalidRequest(desc string) error { return oidc.NewError(oidc.InvalidRequest, desc) }

// parseRequest reads the body of a token request.
func parseRequest(w http.ResponseWriter, r *http.Request) (*Request, error) {
	return readRequest(w, r, true)
}

// readRequest reads the body and client credentials of a request to the
// token endpoint (needsGrant) or to an endpoint that authenticates clients
// the same way: introspection (RFC 7662 §2.1) and revocation (RFC 7009
// §2.1).
func readRequest(w http.ResponseWriter, r *http.Request, needsGrant bool) (*Request, error) {
	params, err := readParams(w, r)
	if err != nil {
		return nil, err
	}
	req := &Request{
		ProjectID:    r.PathValue("project_id"),
		GrantType:    params["grant_type"],
		Scope:        params["scope"],
		params:       params,
		clientID:     params["client_id"],
		clientSecret: params["client_secret"],
	}
	if needsGrant && req.GrantType == "" {
		return nil, invalidRequest("The grant_type parameter is missing.")
	}
	if h := r.Header.Get("Authorization"); h != "" {
		if req.basicID, req.basicSecret, err = parseBasic(h); err != nil {
			return nil, err
		}
		req.basic = true
	}
	return req, nil
}

// readParams decodes a form (RFC 6749 §4.4.2) or a JSON object of strings
// (the shape of Stytch's documented examples), all of whose names and
// values must be text (api.ValidText). Parameters in the URL query are
// ignored: credentials do not belong there (RFC 6749 §2.3.1).
func readParams(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	ct := r.Header.Get("Content-Type")
	form := ct == "application/x-www-form-urlencoded" // what every OAuth client sends, verbatim
	if !form {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err != nil:
			return nil, invalidRequest("Content-Type must be application/x-www-form-urlencoded or application/json.")
		case mt == "application/x-www-form-urlencoded":
			form = true
		case mt != "application/json":
			return nil, invalidRequest("Content-Type must be application/x-www-form-urlencoded or application/json.")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, invalidRequest("The request body is too large.")
		}
		return nil, invalidRequest("The request body could not be read.")
	}
	if form {
		return parseForm(string(body))
	}
	return parseJSON(body)
}

// errNotText is a body with a name or value that is not text (api.ValidText).
var errNotText = invalidRequest("The request holds text that is not valid UTF-8, or a NUL.")

func parseForm(body string) (map[string]string, error) {
	vals, err := url.ParseQuery(body)
	if err != nil {
		return nil, invalidRequest("The request body is not a valid form.")
	}
	if !api.ValidValues(vals) {
		return nil, errNotText
	}
	params := make(map[string]string, len(vals))
	for k, v := range vals {
		// RFC 6749 §3.2: "Request and response parameters MUST NOT be
		// included more than once."
		if len(v) > 1 {
			return nil, invalidRequest("The " + safeName(k) + " parameter is repeated.")
		}
		if v[0] != "" {
			params[k] = v[0]
		}
	}
	return params, nil
}

func parseJSON(body []byte) (map[string]string, error) {
	if !api.ValidJSONText(body) {
		return nil, errNotText
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, invalidRequest("The request body is not a JSON object.")
	}
	params := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			if string(v) == "null" {
				continue
			}
			return nil, invalidRequest("The " + safeName(k) + " parameter must be a string.")
		}
		if s != "" {
			params[k] = s
		}
	}
	return params, nil
}

// parseBasic decodes client_secret_basic credentials. RFC 6749 §2.3.1: the
// client ID and secret are each application/x-www-form-urlencoded before
// they are joined with ':' and base64-encoded, so they are decoded here
// (a secret may contain ':' or '%').
func parseBasic(header string) (id, secret string, err error) {
	bad := oidc.NewError(oidc.InvalidClient, "The Authorization header is not valid HTTP Basic client authentication.")
	scheme, cred, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", bad
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", bad
	}
	rawID, rawSecret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", bad
	}
	if id, err = url.QueryUnescape(rawID); err != nil {
		return "", "", bad
	}
	if secret, err = url.QueryUnescape(rawSecret); err != nil {
		return "", "", bad
	}
	if id == "" || !api.ValidText(id) || !api.ValidText(secret) {
		return "", "", bad
	}
	return id, secret, nil
}

// safeName keeps a client-chosen parameter name fit for error_description,
// which may hold only %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2).
func safeName(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '?'
		}
		return r
	}, s)
}
