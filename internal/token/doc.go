// Package token is the OAuth 2.0 token endpoint (RFC 6749 §3.2):
//
//	POST /v1/public/{project_id}/oauth2/token   Stytch's path; the client must belong to project_id
//	POST /v1/oauth2/token                       host-root path; the client's project is found from client_id
//
// Every request runs one fixed pipeline, so no grant can skip a shared
// check:
//
//  1. parse the body once (form-encoded per RFC 6749 §4.4.2, or JSON as
//     Stytch's docs show), refusing repeated parameters (§3.2);
//  2. refuse a grant_type this server does not serve (unsupported_grant_type);
//  3. authenticate the client once: client_secret_basic (HTTP Basic with
//     URL-encoded halves, §2.3.1) or client_secret_post (body), never both;
//  4. check the client may use the grant (unauthorized_client);
//  5. run the grant, one file each: client_credentials.go today;
//     authorization_code and refresh_token will join as their own files;
//  6. write the answer with Cache-Control: no-store (§5.1), or the error in
//     the §5.2 shape through api.WriteOAuthError, the one place errors are
//     written.
//
// The hot path (every M2M token) reads no database and takes no global
// lock: clients come from apps.Cache, the project's token algorithm from a
// short-lived cache here, parsed signing keys from keys.Manager; secrets
// are checked with HMAC-SHA256 and a constant-time compare
// (internal/secrets), never a password hash; nothing is written per token.
//
// Access tokens are JWTs signed with the project's access-token algorithm
// (RS256 by default; ES256, EdDSA or PS256 by `signet project set`).
package token
