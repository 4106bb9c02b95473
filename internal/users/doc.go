// Package users serves Stytch's B2C users, passwords and sessions API
// (reference/stytch-api.md §5.1, §5.2) for HTTP Basic authenticated
// projects:
//
//	POST   /v1/users                      create a user
//	GET    /v1/users/{user_id}            get by user ID or external ID
//	PUT    /v1/users/{user_id}            update name, metadata, external ID, roles
//	DELETE /v1/users/{user_id}            delete with password and sessions
//	POST   /v1/users/search               filtered, cursor-paginated listing
//	POST   /v1/passwords                  create a user with a password, start a session
//	POST   /v1/passwords/authenticate     check email + password, start or extend a session
//	POST   /v1/passwords/strength_check   LUDS verdict on a candidate password
//	POST   /v1/sessions/authenticate      check a session token or JWT, mint a fresh JWT
//	GET    /v1/sessions?user_id=          list a user's live sessions
//	POST   /v1/sessions/revoke            end a session
//
// Sessions have two credentials. The opaque session_token is a 256-bit
// secret stored only as its peppered HMAC (internal/secrets). The
// session_jwt is RS256-signed by the project's key with a five-minute
// lifetime and the claims of stytch-api.md §4.1, so Stytch SDKs can verify
// it locally against GET /v1/sessions/jwks/{project_id} (served by
// internal/discovery); a JWT past its exp is still accepted here while its
// session lives, and a fresh one is returned.
//
// Passwords are argon2id (internal/password). Failed checks are counted in
// the store and lock the user after Handler.MaxFailures; per-email token
// buckets in memory slow down guessing before that.
package users
