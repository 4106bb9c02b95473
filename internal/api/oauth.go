package api

import (
	"errors"
	"net/http"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

type oauthEnvelope struct {
	Error            oidc.ErrorCode `json:"error"`
	ErrorDescription string         `json:"error_description,omitempty"`
	StatusCode       int            `json:"status_code"`
	RequestID        string         `json:"request_id"`
}

// WriteOAuthError writes err in the RFC 6749 §5.2 shape (plus Stytch's
// status_code and request_id). Anything that is not an *oidc.Error becomes
// server_error with its cause logged; store.ErrInvalidText, invalid_request.
func WriteOAuthError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrInvalidText) {
		// As in Internal: text the edges should have refused.
		err = oidc.Errorf(oidc.InvalidRequest, errNotTextMessage, err)
	}
	e := oidc.AsError(err)
	logCause(r, e.Status, string(e.Code), e.Unwrap())
	h := w.Header()
	// RFC 6749 §5.1 applies to error responses of the token endpoint too.
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if e.Status == http.StatusUnauthorized {
		// RFC 6749 §5.2: a 401 for invalid_client must carry WWW-Authenticate
		// matching the scheme the client used; RFC 6750 §3 for bearer tokens.
		scheme := "Basic"
		if e.Code == oidc.InvalidToken {
			scheme = "Bearer"
		}
		h.Set("WWW-Authenticate", scheme+` error="`+string(e.Code)+`"`)
	}
	writeJSON(w, e.Status, oauthEnvelope{
		Error:            e.Code,
		ErrorDescription: e.Description,
		StatusCode:       e.Status,
		RequestID:        RequestID(r),
	})
}
