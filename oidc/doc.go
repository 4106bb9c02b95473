// Package oidc is Signet's public OAuth 2.0 / OpenID Connect vocabulary,
// shared by the server and the [github.com/signet-id/signet/rp] SDK so the
// two never drift apart on spelling: the [ErrorCode] values and the typed
// [Error], grant types, PKCE ([S256Challenge], [VerifyS256]), claims
// requests ([ParseClaimsRequest]) and the discovery document ([Metadata]).
// It does no I/O.
package oidc
