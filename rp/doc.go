// Package rp is a relying-party client for bank OpenID Providers that speak
// IDPartner's protocol (FAPI 1.0 Advanced flavoured OIDC): the Go
// counterpart of IDPartner's Node client.
//
// A login has two legs, handled by an app's Origin URL and Redirect URL:
//
//	proofs := rp.NewProofs()                  // keep in the session with iss
//	u, err := c.AuthorizationURL(ctx, iss, idpID, proofs, scopes, nil)
//	// … redirect; the bank sends the browser back …
//	ts, err := c.Exchange(ctx, r.URL.String(), iss, proofs)
//	info, err := c.UserInfo(ctx, iss, ts)
//
// AuthorizationURL discovers the issuer (the discovered issuer must equal
// iss exactly), pushes the request with PAR (RFC 9126), as a PS256 request
// object when the client has keys, and always asks for code + PKCE S256 +
// response_mode=jwt (JARM). Exchange accepts only a JARM, encrypted
// (RSA-OAEP / A256CBC-HS512) when the client has keys, signed PS256 by a key
// in the OP's jwks_uri, then redeems the code and verifies the ID token
// (encrypted likewise, nonce, at_hash). Algorithms are pinned, not taken
// from the tokens.
//
// Client authentication is client_secret_basic, tls_client_auth (the client
// certificate on every connection, with the OP's mtls_endpoint_aliases) or
// private_key_jwt. Discovery documents and JWK sets are cached per issuer
// for five minutes; the JWK set is refetched once when a token names an
// unknown kid. exp, nbf and iat get 10 seconds of leeway and no more.
//
// Errors are *OAuthError (the OP said no), *ValidationError (a check
// failed) or *TransportError (HTTP failed); their text never holds tokens,
// codes or secrets. The package logs nothing. It imports no Signet internal
// package, so it can move to its own module; package rptest is a fake bank
// OP for tests.
package rp
