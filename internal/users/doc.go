// Package users is the users domain of Signet: Stytch's B2C users,
// passwords and sessions (reference/stytch-api.md §5.1, §5.2), the
// password sign-in the hosted pages use, and the users bank verifications
// land on.
//
// # Service and handler
//
// Service is the domain, built complete by NewService (store, keys,
// pepper, issuer, hasher, password policy, throttle, clock) and usable
// without HTTP: internal/authorize calls it for the hosted sign-in
// (SignIn) and the consent API's sessions (SessionFromToken,
// SessionFromJWT), internal/banks for what a bank asserted
// (RecordBankVerification, StartBankSession), internal/account for the
// person's own account page (UseSession, UserSessions, EndUserSession,
// EndOtherSessions, ChangePassword: account.go), each through a small
// interface of its own. Its errors are domain errors (errors.go):
// ErrUserNotFound, ErrSessionNotFound, ErrBadCredentials, ErrThrottled,
// ErrNoPassword, ErrBankEmailConflict, ErrBankSubjectConflict, *InvalidError (input
// that breaks a rule, with the rule's code) and *DuplicateError (a taken
// email, phone number or external ID); anything else is internal. Callers
// tell them apart with errors.Is and errors.As, and each shows them in its
// own way: the sign-in page as a sentence, the bank flow as a run's error
// code. The rules of the fields every Stytch record shares (email, phone
// number, external ID, metadata, roles) are internal/api's, one rule for
// users, organizations and members; fields.go, the service's one bridge to
// them, hands their refusals on as *InvalidError.
//
// Roles: a user holds stytch_user, every user's role, and those assigned
// (roles on users.create/update), each of which must be a role of the
// project's RBAC policy when it is assigned (400 role_not_found, Signet's
// type; Config.Policies). The User object, sessions and the checks of
// sessions.authenticate all report stytch_user first, then the assigned
// roles. A session's roles are the user's as they are at each
// authenticate: the session object and the JWT the next authenticate
// mints show a role change at once; a JWT minted before keeps its roles
// until it expires (five minutes: the window of the SDKs' local checks,
// authenticateJwtLocal), while a network authorization_check always
// counts the roles now. A policy change may remove a role still
// assigned: it stays assigned, is reported, and grants nothing.
//
// Handler is the management API's thin layer over the Service, for HTTP
// Basic authenticated projects; only the handler*.go files know HTTP. It
// decodes a request (users.search with the request shape every search
// route shares, api.SearchRequest), calls the service, writes the
// response, and sends errors through APIError, the one place they become
// Stytch envelopes (which other management routes that pass them on use
// too):
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
// Passwords are argon2id (internal/password).
//
// # Throttling password guesses
//
// Every password check (AuthenticatePassword, which serves
// passwords.authenticate, and SignIn, which serves the hosted sign-in
// page) is counted before the password is verified, under three keys, in
// the database (store.LoginThrottles), so every node sharing it enforces
// one budget:
//
//   - the client address (internal/clientip: the connection's peer, or
//     what trusted proxies say it is; an IPv6 client by its /64): at most
//     Throttle.AddressLimit attempts per AddressWindow over all accounts of
//     the project, against one host trying many accounts;
//   - the (account, address) pair: FreeFailures failures cost nothing, then
//     each failure delays the pair's next attempt, by Delay doubling up to
//     MaxDelay, until a success resets the pair; this is what slows a
//     guesser, and only at the guesser's own address;
//   - the account, over all addresses: AccountLimit failures per
//     AccountWindow lock it until the window ends, a looser ceiling
//     against guessers spread over many addresses.
//
// The lock is not a denial of service for the owner: it does not apply at
// the addresses where the account signed in successfully within KnownFor
// (there is no notion of a device; a known address stands in for one), and
// a successful password reset lifts it (LiftLockout). A correct password
// at a known address passes the lock but does not end it, which would give
// the guessers a fresh allowance. The attempts the limits refuse are
// refused before any password is verified, so they cost no hash, and
// cannot confirm a guess.
//
// An account is the email address as typed, lowercased, and counted
// whether or not a user has it. Every refusal is the same ErrThrottled
// (429 too_many_requests on the API), and every failed check the same
// ErrBadCredentials (401 unauthorized_credentials), whichever email and
// whatever the reason; an unknown email costs a dummy hash. So neither the answers nor their
// timing tell which accounts exist: an unknown email is throttled and
// locked exactly as a real one would be.
//
// Behind the management API the client is the project's backend, which
// calls on its users' behalf: the address limits then apply to the
// backend as a whole unless it is a trusted proxy that sends the user's
// address in X-Forwarded-For. Client secrets, session tokens and project
// secrets are 256-bit random values that cannot be guessed, so their
// checks are not throttled.
package users
