package api

import (
	"context"
	"net/http"
)

// ErrorDocsPath is where Signet serves docs/errors.md, the reference of
// every error_type (package home). Each envelope's error_url points at the
// error_type's row there: <base>#<error_type>.
const ErrorDocsPath = "/docs/errors"

type errorDocsKey struct{}

// WithErrorDocs returns r carrying base, the URL of the error reference
// that error_url points into (serve --error-url-base; by default the
// issuer's ErrorDocsPath). Called once by the server's outermost
// middleware: like the request ID, it is request-scoped wire data, not a
// dependency, and it spares every handler a parameter for it.
func WithErrorDocs(r *http.Request, base string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), errorDocsKey{}, base))
}

// errorURL is the error_url of typ: the reference's row for it. Outside
// the server's middleware (a handler's own tests) the base is the path
// alone, relative to the issuer.
func errorURL(r *http.Request, typ string) string {
	base, _ := r.Context().Value(errorDocsKey{}).(string)
	if base == "" {
		base = ErrorDocsPath
	}
	return base + "#" + typ
}
