package rp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/signet-id/signet/oidc"
)

// maxBody caps what we read from any OP response.
const maxBody = 1 << 20

// do sends req with Accept: application/json under the configured timeout
// and returns the status, headers and (bounded) body. It fails only for
// transport problems; statuses are the caller's business.
func (c *Client) do(ctx context.Context, op string, req *http.Request) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req = req.WithContext(ctx)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, &TransportError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, nil, &TransportError{Op: op, Err: err}
	}
	if len(body) > maxBody {
		return 0, nil, nil, &TransportError{Op: op, Err: errors.New("response body too large")}
	}
	return resp.StatusCode, resp.Header, body, nil
}

// get fetches a JSON document with an optional bearer token and decodes it
// into v after checking for a 2xx status.
func (c *Client) get(ctx context.Context, op, endpoint, bearer string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return &TransportError{Op: op, Err: errors.New("invalid endpoint URL")}
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	status, hdr, body, err := c.do(ctx, op, req)
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return errorFromResponse(op, status, hdr, body)
	}
	return decodeJSON(op, hdr, body, v)
}

// postForm sends an application/x-www-form-urlencoded POST.
func (c *Client) postForm(ctx context.Context, op, endpoint string, form url.Values, hdr http.Header) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, nil, &TransportError{Op: op, Err: errors.New("invalid endpoint URL")}
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(ctx, op, req)
}

func decodeJSON(op string, hdr http.Header, body []byte, v any) error {
	if mt, _, _ := mime.ParseMediaType(hdr.Get("Content-Type")); mt != "" && mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return invalid(ErrMalformed, op+" response is "+mt+", not JSON")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return invalidf(ErrMalformed, err, op+" response is not the expected JSON")
	}
	return nil
}

// errorFromResponse turns a non-success answer into an *OAuthError when it
// carries an RFC 6749 §5.2 body (or an RFC 6750 §3 WWW-Authenticate
// challenge), and a *TransportError otherwise.
func errorFromResponse(op string, status int, hdr http.Header, body []byte) error {
	var e struct {
		Error            oidc.ErrorCode `json:"error"`
		ErrorDescription string         `json:"error_description"`
		ErrorURI         string         `json:"error_uri"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return &OAuthError{Code: e.Error, Description: e.ErrorDescription, URI: e.ErrorURI, StatusCode: status}
	}
	if code := bearerChallengeError(hdr.Get("WWW-Authenticate")); code != "" {
		return &OAuthError{Code: oidc.ErrorCode(code), StatusCode: status}
	}
	return &TransportError{Op: op, StatusCode: status, Err: errors.New(http.StatusText(status))}
}

// bearerChallengeError extracts error="..." from a Bearer challenge.
func bearerChallengeError(h string) string {
	i := strings.Index(h, `error="`)
	if i < 0 || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(h)), "bearer") {
		return ""
	}
	rest := h[i+len(`error="`):]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}
