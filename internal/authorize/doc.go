// Package authorize is Signet's OAuth 2.0 / OpenID Connect authorization
// endpoint for Connected Apps, with two front ends over one core
// (Authorizer):
//
//	GET  /oauth2/authorize                 hosted endpoint (Hosted): login and consent pages
//	POST /oauth2/authorize                 the same, form-encoded (OpenID Connect Core §3.1.2.1)
//	POST /oauth2/authorize/login           the sign-in form
//	POST /oauth2/authorize/consent         the consent form
//	POST /oauth2/authorize/bank            "Verify with your bank" on the sign-in page (to internal/banks)
//	GET  /oauth2/logout                    end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0)
//	POST /oauth2/logout                    the same, form-encoded
//	POST /oauth2/logout/confirm            the sign-out confirmation form
//	POST /v1/idp/oauth/authorize/start     consent API (API), HTTP Basic project_id:secret
//	POST /v1/idp/oauth/authorize           consent API: the user's decision, a code
//	POST /v1/b2b/idp/oauth/authorize/start B2B consent API (B2BAPI): a member of an organization authorizes
//	POST /v1/b2b/idp/oauth/authorize       B2B consent API: the member's decision, a code
//	POST /oauth2/par                       pushed authorization requests (PAR, RFC 9126)
//
// Validation runs in the order that decides where errors go (RFC 6749
// §4.1.2.1, OpenID Connect Core §3.1.2.6): an unknown client or a
// redirect_uri that is missing or not registered (exact match, RFC 9700
// §2.1; any port for a public client's loopback IP, RFC 8252 §7.3) is
// never redirected: an error page or a 400 envelope. Every other error is
// sent to the redirect_uri with state and iss (RFC 9207).
//
// Decisions, in brief:
//   - response_type=code only; response_mode query, form_post, or JARM
//     (jarm.go) jwt = query.jwt, fragment.jwt, form_post.jwt: the
//     response carries only response=<JWT> signed
//     with the project's PS256 key (or the client's
//     authorization_signed_response_alg) holding iss, aud = client_id,
//     exp = now + 120 s, state and code or error; nested in a JWE (cty
//     JWT, iss and aud copied into the protected header) to the client's
//     RSA key when it registered authorization_encrypted_response_alg.
//     Errors after the redirect_uri is trusted travel the same way, in
//     the JWT (error, error_description, state). The form_post modes
//     answer with a page whose form posts to the redirect_uri, submitted
//     by the external /assets/form_post.js (CSP script-src 'self',
//     form-action the redirect_uri's origin, no inline script; a button
//     without script); the consent API takes no response_mode (query).
//     Plain fragment is refused.
//   - PAR (par.go): the client authenticates (internal/clientauth), the
//     request is validated by the same parse as any other and stored under
//     the SHA-256 of a 256-bit urn:ietf:params:oauth:request_uri for 60 s,
//     used once. At the hosted endpoint a request_uri replaces every other
//     parameter (client_id may be absent; if present it must match;
//     prompt=login may be added, as "Use another account" does); an
//     unknown, expired or foreign request_uri gets an error page
//     (invalid_request_uri). Its one use is spent when the authorization
//     completes (a code issued or an error sent to the client), not when
//     it is first shown (RFC 9126 §4 allows reloads): once shown it stays
//     open for 30 minutes from its latest showing, so a reload of the
//     sign-in or consent page, or Back to it, works; after completion it
//     gets a page saying the person is done, with a way back to the
//     application, and never a second code. A client with
//     require_pushed_authorization_requests gets an error page without one.
//     The login and consent forms carry the request_uri alone, so their
//     return trip is the pushed request, unedited.
//   - Request objects (request_object.go, RFC 9101 with FAPI 2.0 Message
//     Signing rules): in PAR or at the hosted endpoint, for clients with
//     jwks or jwks_uri; PS256/ES256 (or the registered
//     request_object_signing_alg), typ oauth-authz-req+jwt or none, iss =
//     client_id, aud = issuer, exp and nbf required, exp - nbf <= 60 min,
//     nbf at most 60 min old, jti used once. Only the parameters inside
//     count. Errors: invalid_request_object (400 at PAR, an error page at
//     the endpoint). For clients without keys, and in the consent API,
//     request is still refused with request_not_supported, and a
//     request_uri that is not a PAR URN with request_uri_not_supported.
//   - requester_name (oidc.ParamRequesterName, Signet's own; other OPs
//     ignore it): an intermediary client names the application the person
//     came from, at most 80 printable characters; the sign-in and consent
//     pages show "<requester_name> via <client name>". Signet sends it to
//     banks with the Connected App's name, so the sandbox bank shows it.
//   - Unknown scopes are dropped (OpenID Connect Core §3.1.2.1); a request
//     with no known scope gets invalid_scope. Without openid it is a plain
//     OAuth code flow.
//   - Scopes of the project's RBAC policy (internal/rbac) may be requested
//     beside Signet's own (policy_scopes.go). Once the user is known, each
//     one is granted only when the user's roles (stytch_user and those
//     assigned, read at that moment) hold every permission behind it
//     (rbac.Compiled.Grantable); otherwise it is dropped from the grant, as
//     Stytch does: the consent page does not offer it, the consent API's
//     start reports it is_grantable false, and neither the code, the
//     remembered consent nor the tokens carry it. If nothing is left, the
//     request fails with invalid_scope. The consent page and start show
//     the policy's description of each policy scope. The token endpoint
//     asks again at every code exchange and refresh (StillGrantable,
//     token.PolicyScopes): a policy scope the user's roles no longer
//     allow is left out of the new access token and the response's scope
//     (RFC 6749 §6 lets a refresh narrow it); the grant keeps what was
//     consented to, so a role given back restores the scope.
//   - PKCE: S256 only; plain, or a challenge without a method, is refused;
//     public clients must send a challenge (RFC 9700 §2.1.1).
//   - prompt: none (alone), login, consent; select_account shows the login
//     form like login; unknown values are ignored.
//   - max_age and id_token_hint can force a new sign-in; with prompt=none
//     they give login_required instead.
//   - Consent: first-party clients skip it, except for offline_access
//     unless bypass_consent_for_offline_access; third-party clients need it
//     unless a remembered consent covers every scope; prompt=consent always
//     asks. Every issued code remembers its scopes as consented.
//   - Codes: 256-bit, stored as HMAC-SHA256 under the server pepper, valid
//     60 seconds, bound to client, redirect_uri, PKCE challenge, nonce,
//     session and auth_time (store.AuthCode); internal/token redeems them.
//
// Logout (logout.go, OpenID Connect RP-Initiated Logout 1.0): the client
// is named by client_id or by id_token_hint (an ID token Signet signed with
// the client's project's keys, for this issuer; expired ones are accepted,
// §2; with both, they must agree). post_logout_redirect_uri must be one of
// the client's post_logout_redirect_urls exactly, and state goes back with
// it; ui_locales and logout_hint are accepted and unused. A POST is
// answered with a 303 to the same request as a GET, the one a browser
// sends the SameSite=Lax session cookie with from another site. A hint of the
// browser's current session (its sid, or its sub when it has no sid) ends
// the session at once; otherwise a confirmation page asks (CSRF-protected,
// bound to the session it asked about). Ending it revokes the Signet
// session (which queues back-channel logout tokens, internal/logout),
// clears the cookie and marks the browser signed out (the next bank
// verification asks the bank for a fresh sign-in, internal/banks). Any
// invalid request gets an error page, never a redirect; without a
// post_logout_redirect_uri the person sees that they are signed out.
//
// Error pages (failpages.go) say what happened in one sentence without
// protocol words, offer a way on when a safe one is known (the origin of a
// redirect URL the application registered, "Start again" or "Try
// again" on this server), show the support code (the request ID), and
// keep the protocol error under "Details for developers". A request the
// application got wrong says the application is misconfigured; a store
// that did not answer says the fault is temporary.
// B2B (b2b_api.go): on a B2B project the grantor is a member of an
// organization, named by organization_id + member_id or by a member
// session (internal/memberauth), and must be active in an organization
// that is not suspended; given with a session, organization_id and
// member_id must be the session's (tenancy_mismatch,
// session_member_mismatch). Consents are per member (member_consents),
// policy scopes are narrowed by the member's roles (stytch_member and
// those assigned) under its organization's policy (rbac.Compiled.WithOrg),
// and codes and grants record the member and its organization, so the
// tokens carry sub = member ID and https://stytch.com/organization
// (internal/token). The hosted pages sign in users only: an authorization
// request of a B2B project's client gets an error page saying its members
// sign in on the application's own authorization page (the B2B consent
// API), not a redirect.
//
// The hosted pages (internal/web) use no script, set a strict
// Content-Security-Policy and X-Frame-Options: DENY, protect every form
// with a CSRF token, and keep the Signet session in a per-project cookie
// (HttpOnly, SameSite=Lax, Secure under an https issuer).
package authorize
