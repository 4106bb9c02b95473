// Package rp is a relying-party client for bank OpenID Providers that speak
// IDPartner's protocol (FAPI 1.0 Advanced flavoured OIDC): the Go
// counterpart of IDPartner's Node client.
//
// A [Client] is one registered client ([Config], with the scopes it asks
// for); [Client.Bank] gives the handle on one bank OP, named by its issuer.
// A login has two legs, handled by an app's Origin URL and Redirect URL:
//
//	bank := c.Bank(iss)                       // iss from the account selector
//	proofs := rp.NewProofs()                  // keep in the session with iss
//	u, err := bank.PushAuthorization(ctx, proofs, rp.WithIdentityProvider(idpID))
//	// … redirect to u; the bank sends the browser back …
//	ts, err := bank.Exchange(ctx, r.URL.String(), proofs)
//	info, err := bank.UserInfo(ctx, ts)
//
// [Bank.PushAuthorization] discovers the issuer (the discovered issuer must
// equal iss exactly), pushes the request with PAR (RFC 9126), as a PS256
// request object when the client has keys, and always asks for code + PKCE
// S256 + response_mode=jwt (JARM); [WithScopes], [WithIdentityProvider] and
// [WithParam] adjust the request. [Bank.Exchange] accepts only a JARM,
// encrypted (RSA-OAEP / A256CBC-HS512) when the client has keys, signed
// PS256 by a key in the OP's jwks_uri, then redeems the code and verifies
// the ID token (encrypted likewise, nonce, at_hash). Algorithms are pinned,
// not taken from the tokens, and JWTs are taken in the compact
// serialization only.
//
// Client authentication is client_secret_basic, tls_client_auth (the client
// certificate on every connection, with the OP's mtls_endpoint_aliases) or
// private_key_jwt. Discovery documents and JWK sets are cached per issuer
// for five minutes; the JWK set is refetched once when a token names an
// unknown kid. exp, nbf and iat get 10 seconds of leeway and no more.
//
// Errors are *[OAuthError] (the OP said no), *[ValidationError] (a check
// failed; [errors.Is] tells which, such as [ErrStateMismatch],
// [ErrSignature] or [ErrExpired]) or *[TransportError] (HTTP failed); their
// text never holds tokens, codes or secrets. The package logs nothing. It
// imports no Signet internal package, so it can move to its own module;
// package [github.com/signet-id/signet/rp/rptest] is a fake bank OP for
// tests.
package rp
