// Package account is the person's own account page: what they allowed
// applications to do, where they are signed in, which banks confirmed who
// they are, and their password — each with a way to take it back or
// change it.
//
// Routes (pages for people, not API; every one takes the project as
// project_id, in the query or the form, as the consent page's link
// carries it):
//
//	GET  /account                          the account page, or the sign-in form first
//	GET  /account/sign-in                  the sign-in form (return_to: a path under /account)
//	POST /account/sign-in                  sign in, then back to return_to
//	POST /account/apps/revoke              remove an app's access (client_id)
//	POST /account/sessions/sign-out        end one of the person's sessions (session_id)
//	POST /account/sessions/sign-out-others end every session but this browser's
//	POST /account/password                 change the password (current_password, new_password)
//
// Signing in here is the hosted sign-in's: the same password check and
// throttles (users.Service.SignInFrom, which also records the browser's
// User-Agent on the session, so the page can name the device) and the same per-project session cookie
// (authorize.SessionCookieName), so a person who signed in to an
// application through Signet is already signed in here, and the reverse.
// A person who is not signed in is sent to the sign-in form and, once
// signed in, back to return_to, which must be a path under /account on
// this server (safeReturn): anything else, another origin or a
// scheme-relative or backslashed path among them, goes to the account page
// instead, so the form is no open redirect.
//
// Removing an app's access is the management API's users.revoke
// (store.RevokeConsent): the remembered consent is forgotten and every
// grant of that user to that app is revoked, with its refresh and access
// tokens (introspection reports them inactive at once). The scopes are
// described in the consent page's words (authorize.DescribeScope). Ending
// sessions and changing the password are users.Service's
// (EndUserSession, EndOtherSessions, ChangePassword): the current password
// is checked under the sign-in throttles, and a change ends every other
// session.
//
// The pages are the hosted pages' kind (internal/web): html/template, no
// script, the same Content-Security-Policy (form-action 'self' only),
// X-Frame-Options DENY and frame-ancestors 'none', Cache-Control
// no-store, and every form carries an anti-CSRF token (web.CSRF, a cookie
// of its own scoped to /account); a form without a valid one gets a 403
// page and changes nothing.
package account
