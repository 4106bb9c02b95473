// Package memberauth is Stytch B2B sign-in: member passwords and member
// sessions, for B2B projects (a consumer project gets
// invalid_b2b_endpoint, see internal/api). The wire reference is the
// stytch npm SDK 14.2.0 (dist/b2b/passwords*.js and sessions.js,
// types/lib/b2b/passwords*.d.ts and sessions.d.ts).
//
//	POST /v1/b2b/passwords/authenticate                organization + email + password: a member session
//	POST /v1/b2b/passwords/strength_check              LUDS verdict on a candidate password
//	POST /v1/b2b/passwords/migrate                     import a password hashed elsewhere, creating the member if needed
//	POST /v1/b2b/passwords/existing_password/reset     new password for the current one: every session ends, a new one starts
//	POST /v1/b2b/sessions/authenticate                 check a session token or JWT, mint a fresh JWT
//	GET  /v1/b2b/sessions                              ?organization_id=&member_id=: the member's live sessions
//	POST /v1/b2b/sessions/revoke                       one session (member_session_id, session_token, session_jwt) or all of member_id's
//	POST /v1/b2b/sessions/exchange                     a session of the same email's member in another organization
//	POST /v1/b2b/passwords/discovery/authenticate      email + password: an intermediate session and the organizations it can enter
//	POST /v1/b2b/discovery/organizations               the organizations an intermediate session (or a member session's email) can enter
//	POST /v1/b2b/discovery/intermediate_sessions/exchange  an intermediate session into a member session of one organization
//	POST /v1/b2b/discovery/organizations/create        a new organization, the intermediate session's email its stytch_admin, and a session
//
// The SDKs verify member session JWTs with the keys internal/discovery
// serves at /v1/b2b/sessions/jwks/{project_id}.
//
// Service is the domain, without HTTP; Handler its thin management API.
// The organization and its members are internal/orgs' (records, policy:
// orgs.CanSignIn), and the password check runs under the consumer
// sign-in's throttles (users.Service.GuardCredential), counted per
// organization and email address, so a guesser gets the same budget
// against a member as against a user, on every node.
//
// Member sessions are consumer sessions' twin (internal/users): a
// 256-bit token stored as its peppered HMAC, a five-minute RS256 JWT with
// sub = the member ID, Stytch's https://stytch.com/session claim and
// https://stytch.com/organization {organization_id, slug}, which the
// SDKs' authenticateJwtLocal needs; sessions carry the member's
// effective roles (rbac.EffectiveMemberRoles: stytch_member, those
// assigned, those the organization's rbac_email_implicit_role_assignments
// give the member's email domain), read at each authenticate: the session
// object and the JWT the next authenticate mints show a role change at
// once, while a JWT minted before keeps its roles until it expires (five
// minutes, the window of the SDKs' local checks; a network
// authorization_check always counts the roles now). Every session authenticate
// reads the session with its member and organization, in one statement
// (as cheap as a consumer session's two reads): a member deleted since
// has no session (its sessions are deleted with it), an organization
// suspended since refuses with organization_suspended.
//
// Discovery (discovery.go, Discovery and DiscoveryHandler) works on
// intermediate sessions: a 256-bit token stored as its peppered HMAC,
// bound to an email address, living ten minutes (Stytch's lifetime) and
// single-use: an exchange or an organizations.create consumes it in one
// DELETE, so of two uses one wins and the other is
// intermediate_session_not_found, as an expired or unknown token is. A
// use that is refused after its checks passed (a write failing, a taken
// slug) puts the session back, so it may be tried again.
//
// Since a member's password here belongs to one organization (Stytch's
// cross-organization passwords are off), passwords.discovery.authenticate
// tries the password against each member with that email in the
// project's active organizations (at most the ten oldest with a password;
// each costs a hash), under the sign-in throttles counted per email for
// discovery. It fails as a wrong password does unless one matches. The
// intermediate session records the members it matched: those
// organizations are member_authenticated (unless their policy refuses a
// password or needs MFA) and can be exchanged into. Other memberships of
// the same email are listed with member_authenticated false and
// primary_required, and an exchange into them is refused (403
// primary_auth_required): the password of one organization's member does
// not open another's. Joining an organization by email domain (JIT) and
// creating an organization need proof of the address, which the session
// has only when a member it matched has a verified email (403
// unverified_email otherwise). Discovery lists no suspended
// organizations; discovery.organizations with a member session lists the
// memberships of its member's email only (no JIT), as Stytch does, with
// only the session's own organization member_authenticated.
//
// Where Stytch is undocumented or Signet lacks the feature, this is what
// Signet does:
//
//   - Signet has no MFA and no further primary factors: a password
//     sign-in always yields a full member session (member_authenticated
//     true, intermediate_session_token ""), and a discovery exchange or
//     organizations.create that would need another step is refused
//     rather than answered with member_authenticated false. A password
//     authenticate that carries an intermediate_session_token is refused
//     (400 intermediate_session_unsupported). A session authenticate with an
//     authorization_check answers with package rbac's verdict: the
//     session's organization must be the check's (403 tenancy_mismatch)
//     and the member's effective roles (stytch_member, those assigned,
//     those implied by its email domain) must grant the action (403
//     invalid_permissions).
//   - A sign-in that needs an MFA step (the organization's mfa_policy
//     REQUIRED_FOR_ALL, or the member's mfa_enrolled) is refused (403
//     mfa_unsupported) after the password check, unless it extends a
//     session of the member, which Stytch exempts from MFA: a full
//     session would bypass the organization's policy.
//   - An invited member with the right password is refused (403
//     member_not_active): it accepts its invitation first. A pending
//     member becomes active, as Stytch activates one at its first
//     authentication. The member's status and the organization's
//     auth_methods are checked after the password, so they tell only the
//     password's holder anything; the organization's existence and
//     suspension are checked first, since they say nothing of members.
//   - passwords.migrate adds a password to a member without one (an
//     existing member with a password is member_password_already_exists,
//     rather than overwriting a password changed since the export),
//     verifies the member's email, and creates the member if there is
//     none. The hash is kept as it came and replaced by argon2id at the
//     member's first sign-in (package password, imported.go, lists the
//     hash types and encodings). set_phone_number_verified is refused;
//     preserve_existing_sessions concerns SSO-implied roles, which Signet
//     lacks, and changes nothing.
//   - An imported hash costs what its algorithm costs (an MD5 almost
//     nothing) until the member's first sign-in replaces it, so until
//     then the time of a wrong password can differ from an unknown
//     email's dummy argon2id hash. Migrate with the strongest hash the
//     old system has.
//   - locale and telemetry_id are accepted and change nothing: there is
//     no passcode to send and no device fingerprinting.
//   - existing_password.reset ends every session of the member and
//     starts a new one, as Stytch's does; a session_token or session_jwt
//     given with it must be the member's (session_member_mismatch) and
//     ends with the others.
//   - sessions.exchange (exchange.go) needs a member with the session's
//     email in the target organization (member_not_found otherwise: it
//     creates no member, as Stytch's does not by domain), whose policy
//     must allow the session's primary factor (auth_methods) and need no
//     MFA step (mfa_unsupported); the session's member must have a
//     verified email (unverified_email), since a password proves only one
//     organization's secret and the verified address is what speaks for
//     the person elsewhere (the rule of discovery's JIT). An invited
//     member is refused (member_not_active: Signet accepts no invitation
//     this way); a pending one becomes active. The new session carries
//     the original's primary factor; the original session stays live.
//     sessions.exchange_access_token and sessions.attest are not served:
//     the first needs Stytch's rules for which Connected App tokens may
//     become sessions, the second trusted auth token profiles.
//   - sessions.revoke by member_id ends the sessions of the member with
//     that ID, in whichever organization of the project it is (member IDs
//     are unique in a project).
package memberauth
