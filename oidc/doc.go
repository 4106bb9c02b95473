// Package oidc is Signet's public OAuth 2.0 / OpenID Connect vocabulary,
// shared by the server and the rp SDK so the two never drift apart on
// spelling: error codes and the typed Error, grant types, PKCE, and the
// discovery metadata document. It does no I/O.
package oidc
