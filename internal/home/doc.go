// Package home is what Signet shows about itself at its own addresses: a
// page for a person who opens the issuer's URL in a browser, the error
// reference every error_url points into, and the OpenAPI description of
// the management API. The documents are the repository's (package docs),
// embedded in the binary.
//
//	GET  /                   the home page, when Accept prefers text/html; any other request
//	                         for / is an unknown route (the 404 envelope), as before
//	GET  /docs/errors        docs/errors.md as a page, each code's row anchored by its name
//	GET  /docs/openapi.json  docs/openapi.json, its server URL set to the issuer
//
// Content negotiation is only at /: API clients that send no Accept, or
// one that does not prefer HTML (*/*, application/json), keep getting the
// JSON envelope every unknown route answers, so a client probing the root
// sees no change.
package home
