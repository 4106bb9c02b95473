// Package demo is the demo application `signet serve --dev` runs beside
// Signet: an ordinary web app that signs its visitors in with Signet the
// way any OpenID Connect relying party would, so the hosted sign-in page,
// "Verify with your bank" and the sandbox bank can be tried from a browser
// with nothing else installed.
//
// It is built only on public, off-the-shelf clients: golang.org/x/oauth2
// for the authorization code flow with PKCE S256 (RFC 7636), state
// (RFC 6749 §10.12) and nonce (OpenID Connect Core §3.1.2.1), and
// github.com/coreos/go-oidc/v3 for discovery, ID token verification and
// userinfo. After sign-in it reads the user from Signet's Stytch-compatible
// management API (GET /v1/users/{user_id}, HTTP Basic project_id:secret)
// to show what a bank verification recorded: the verification on the user
// and trusted_metadata.external_source.
//
// Routes:
//
//	GET  /               home page: "Sign in with Signet", or the signed-in user
//	GET  /login          starts the code flow (redirect to Signet's /oauth2/authorize)
//	GET  /callback       the redirect URI: code exchange, ID token, userinfo, user lookup
//	GET  /bank/selected  the Origin URL of the account selector: checks the signed selection
//	POST /logout         forgets the signed-in user and ends the Signet session through Signet's
//	                     end_session_endpoint (RP-Initiated Logout, back to /); GET works too
//	GET  /demo.css       the style sheet (and /favicon.svg, its icon)
//
// Pending sign-ins and signed-in sessions live in server memory behind
// random HttpOnly cookies, with expiry: enough for a single-process demo,
// not for several instances. Pages are html/template (auto-escaped), with
// no script and a restrictive Content-Security-Policy.
package demo
