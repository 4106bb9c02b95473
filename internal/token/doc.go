// Package token is Signet's token side of OAuth 2.0 and OpenID Connect:
// the token endpoint, and the endpoints where issued tokens come back.
//
//	POST /v1/public/{project_id}/oauth2/token        token endpoint (Handler), Stytch's path; the client must belong to project_id
//	POST /v1/oauth2/token                            the same, host root; the client's project is found from client_id
//	GET  /v1/oauth2/userinfo                         OpenID Connect UserInfo (UserInfo), Core §5.3
//	POST /v1/oauth2/userinfo                         the same, token in the header or the form body (RFC 6750 §2.2)
//	GET  /v1/oauth2/payment_details                  the bank network's payment accounts (PaymentDetails), a bare JSON array
//	POST /v1/oauth2/introspect                       introspection (Introspection), RFC 7662
//	POST /v1/public/{project_id}/oauth2/introspect   the same, Stytch's path
//	POST /v1/oauth2/revoke                           revocation (Revocation), RFC 7009
//	POST /v1/public/{project_id}/oauth2/revoke       the same, Stytch's path
//
// Every token request runs one fixed pipeline, so no grant can skip a
// shared check:
//
//  1. parse the body once (form-encoded per RFC 6749 §4.4.2, or JSON as
//     Stytch's docs show), refusing repeated parameters (§3.2);
//  2. refuse a grant_type this server does not serve (unsupported_grant_type);
//  3. authenticate the client once (client.go): M2M clients by
//     client_secret_basic or client_secret_post, checked here; Connected
//     Apps through package clientauth, the one place that knows their
//     methods (secret basic/post, none, private_key_jwt, tls_client_auth);
//  4. check the client may use the grant (unauthorized_client): M2M
//     clients client_credentials, Connected Apps authorization_code and
//     refresh_token;
//  5. run the grant, one file each: client_credentials.go,
//     authorization_code.go, refresh_token.go;
//  6. write the answer with Cache-Control: no-store (§5.1), or the error in
//     the §5.2 shape through api.WriteOAuthError, the one place errors are
//     written.
//
// Introspection and revocation authenticate their callers with the same
// code (step 3).
//
// The M2M hot path (every client_credentials token) reads no database and
// takes no global lock: clients come from apps.Cache, the project's token
// algorithm from a short-lived cache here, parsed signing keys from
// keys.Manager; secrets are checked with HMAC-SHA256 and a constant-time
// compare (internal/secrets), never a password hash; nothing is written
// per token. Connected Apps come from apps.ConnectedClients, looked up
// only for the other grants (or when the ID is not an M2M client's).
//
// # Tokens
//
// Access tokens are JWTs signed with the project's access-token algorithm
// (RS256 by default; ES256, EdDSA or PS256 by `signet project set`), with
// typ "JWT" rather than RFC 9068's "at+jwt", because the Stytch SDKs verify
// them locally and accept only "JWT" (access_token.go). A Connected App's
// access token has sub = user_id, aud = [project_id] (plus the client's
// custom audience), client_id, scope, and a jti that names the grant it
// came from (grant_tokens.go), so that revoking the grant kills it
// wherever it is checked: UserInfo, introspection, revocation. Resource
// servers that verify tokens locally cannot see a revocation; they should
// keep access tokens short or introspect.
//
// ID tokens (scope openid) have typ "JWT", aud = [client_id], azp,
// at_hash, auth_time, nonce, and the claims of the granted scopes
// (profile, email, address, phone, age_over_N) as Stytch and bank OPs
// issue them, plus those the claims request parameter asks for under
// id_token (OIDC Core §5.5; claims.go). They are RS256, or the client's
// id_token_signed_response_alg (PS256, ES256), and nested in a JWE for the
// client's key when it registered id_token_encrypted_response_alg
// (id_token.go, package clientauth). UserInfo serves the same claims plus
// payment_details, and those the claims request names under userinfo.
//
// Refresh tokens (scope offline_access) are 256-bit strings stored as
// their peppered hash and rotated on every use. The first is random; each
// successor is a keyed hash of the token it replaces (a key derived from
// the pepper), so a retry within a short grace window, on any node, gets
// the same successor while that successor is unused, and a family is
// always one chain. Any other reuse of a spent token revokes the grant
// (RFC 9700 §4.14.2; refresh_token.go). A grant revoked while its tokens
// are being issued (a racing replay of the code) answers invalid_grant.
// Certificate binding (RFC 8705 §3, §4; cnf.go): a Connected App that
// authenticated with tls_client_auth, or registered
// tls_client_certificate_bound_access_tokens, gets access tokens with
// cnf {"x5t#S256": ...} naming the client certificate of the request (one
// that registered the flag gets no token without a certificate); UserInfo
// serves such a token only over a connection with that certificate, and
// introspection reports cnf. The grant records the thumbprint, so its
// refresh tokens, public clients' too, work only with the same certificate.
//
// token_type is "bearer", Stytch's spelling (RFC 6749 §7.1 makes it
// case-insensitive).
package token
