package api

import (
	"net/http"

	"github.com/signet-id/signet/oidc"
)

type oauthEnvelope struct {
	Error            oidc.ErrorCode `json:"error"`
	ErrorDescription string         `json:"error_description,omitempty"`
	StatusCode       int            `json:"status_code"`
	RequestID        string         `json:"request_id"`
}

// OAuthError returns err as an *oidc.Error: anything that is not one
// becomes server_error; store.ErrInvalidText (text the edges should have
// refused) becomes invalid_request; and a server fault caused by an
// unavailable store (store.ErrUnavailable) becomes temporarily_unavailable,
// 503, which tells the client to retry (RFC 6749 §4.1.2.1 defines it for
// the authorization endpoint; the other endpoints answer the same way).
func OAuthError(err error) *oidc.Error {
	if storeInvalidText(err) {
		return oidc.Errorf(oidc.InvalidRequest, errNotTextMessage, err)
	}
	e := oidc.AsError(err)
	if e.Status >= 500 && storeUnavailable(err) {
		return oidc.Errorf(oidc.TemporarilyUnavailable, "The service is temporarily unavailable. Retry the request.", err)
	}
	return e
}

// WriteOAuthError writes err (OAuthError) in the RFC 6749 §5.2 shape (plus
// Stytch's status_code and request_id), with its cause logged.
func WriteOAuthError(w http.ResponseWriter, r *http.Request, err error) {
	e := OAuthError(err)
	logCause(r, e.Status, string(e.Code), e.Unwrap())
	h := w.Header()
	// RFC 6749 §5.1 applies to error responses of the token endpoint too.
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if e.Status == http.StatusUnauthorized {
		// RFC 6749 §5.2: a 401 for invalid_client must carry WWW-Authenticate
		// matching the scheme the client used; RFC 6750 §3 for bearer tokens.
		scheme := "Basic"
		switch e.Code {
		case oidc.InvalidToken:
			scheme = "Bearer"
		case oidc.InvalidDPoPProof, oidc.UseDPoPNonce:
			scheme = "DPoP" // RFC 9449 §7.1: a resource server's DPoP challenge
		}
		h.Set("WWW-Authenticate", scheme+` error="`+string(e.Code)+`"`)
	}
	if e.Code == oidc.InsufficientScope {
		// RFC 6750 §3.1: a 403 for a token lacking scope is a Bearer
		// challenge too.
		h.Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
	}
	writeJSON(w, r, e.Status, oauthEnvelope{
		Error:            e.Code,
		ErrorDescription: e.Description,
		StatusCode:       e.Status,
		RequestID:        RequestID(r),
	})
}
