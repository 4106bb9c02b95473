// Package apps manages the OAuth clients of a project: machine-to-machine
// (M2M) clients, which use the client_credentials grant (RFC 6749 §4.4),
// and Connected Apps, the OAuth 2.0 / OpenID Connect clients of Signet's
// authorization endpoint (internal/authorize).
//
// M2M routes (management API, HTTP Basic project_id:secret, Stytch API §5.5):
//
//	POST   /v1/m2m/clients                                     create (optionally importing client_id/client_secret)
//	GET    /v1/m2m/clients/{client_id}                         get
//	PUT    /v1/m2m/clients/{client_id}                         update
//	DELETE /v1/m2m/clients/{client_id}                         delete
//	POST   /v1/m2m/clients/search                              search (cursor, limit, query)
//	POST   /v1/m2m/clients/{client_id}/secrets/rotate/start    start a two-phase secret rotation
//	POST   /v1/m2m/clients/{client_id}/secrets/rotate/cancel   drop the pending secret
//	POST   /v1/m2m/clients/{client_id}/secrets/rotate          promote the pending secret
//
// Connected Apps routes (same authentication, Stytch API §5.4 and §5.1):
//
//	POST   /v1/connected_apps/clients                                    create (client_secret shown once, confidential types only)
//	GET    /v1/connected_apps/clients/{client_id}                        get
//	PUT    /v1/connected_apps/clients/{client_id}                        update
//	DELETE /v1/connected_apps/clients/{client_id}                        delete with consents, grants, codes and tokens
//	POST   /v1/connected_apps/clients/search                             search (cursor, limit)
//	POST   /v1/connected_apps/clients/{client_id}/secrets/rotate/start   start a two-phase secret rotation
//	POST   /v1/connected_apps/clients/{client_id}/secrets/rotate/cancel  drop the pending secret
//	POST   /v1/connected_apps/clients/{client_id}/secrets/rotate         promote the pending secret
//	GET    /v1/users/{user_id}/connected_apps                            the clients a user has authorized
//	POST   /v1/users/{user_id}/connected_apps/{connected_app_id}/revoke  forget consent, revoke grants and tokens
//	POST   /v1/connected_apps/registration_tokens                        create an initial access token (shown once)
//	DELETE /v1/connected_apps/registration_tokens/{registration_token_id}  revoke one
//
// Dynamic client registration (RFC 7591) and management (RFC 7592) of
// Connected Apps, OAuth endpoints (OAuth error JSON; Bearer tokens, no
// project secret):
//
//	POST   /v1/oauth2/register                       register with an initial access token, which names the project
//	POST   /v1/public/{project_id}/oauth2/register   register in the project (no token if it allows open registration)
//	GET    /v1/oauth2/register/{client_id}           read the registration (registration access token)
//	PUT    /v1/oauth2/register/{client_id}           replace its metadata
//	DELETE /v1/oauth2/register/{client_id}           delete the client
//
// A registered client is a third-party Connected App, checked by exactly
// the management API's rules (checkConnectedApp; its refusals become
// invalid_redirect_uri or invalid_client_metadata, RFC 7591 §3.2.2) and
// managed through both APIs. A software statement (RFC 7591 §2.3) signed
// by a key the project trusts (signet project set
// --software-statement-keys) overrides the request's metadata; one signed
// by any other key is unapproved_software_statement.
//
// Client secrets are shown once (client_secret on create, next_client_secret
// on rotate/start) and stored only as HMAC-SHA256 under the server pepper
// (internal/secrets). Between rotate/start and rotate (or cancel) both
// secrets authenticate, so deployments can roll the new one out without
// downtime.
//
// Cache (M2M) and ConnectedClients (Connected Apps) are the read sides the
// OAuth endpoints use: clients kept in memory for a short TTL, so minting a
// token reads nothing from the database. Every write here forgets the
// cached copy in this process; other Signet nodes forget theirs when the
// store's change notification reaches them, and within the cache TTL at
// worst (see Cache). RedirectMatches is the one redirect_uri comparison
// (exact, RFC 9700 §2.1, with the loopback port exception of RFC 8252 §7.3).
//
// This package does not issue tokens; internal/token does.
package apps
