// Package clientauth authenticates an OAuth client at an endpoint of the
// OP: PAR, token, introspection and revocation (for Connected Apps; M2M
// client secrets are checked in package token). It is the one place that knows the
// client authentication methods:
//
//   - client_secret_basic (RFC 6749 §2.3.1, URL-decoded halves),
//   - client_secret_post (RFC 6749 §2.3.1),
//   - none, for public clients (RFC 6749 §2.1),
//   - private_key_jwt (RFC 7523 §2.2 and §3, OIDC Core §9), with JWT-ID
//     replay refused through the store,
//   - tls_client_auth (RFC 8705 §2.1).
//
// A client that registered a token_endpoint_auth_method may use that one
// only. The package owns no routes.
//
// tls_client_auth and the TLS layer: the listener asks for any client
// certificate (tls.RequestClientCert) and does not verify its chain;
// clientauth then matches the leaf certificate's subject DN or
// subjectAltName against the one the client registered (RFC 8705 §2.1.2).
// Trust therefore rests on the registration, which is what the bank
// deployments Signet copies do (the certificate subject is CN=client_id).
// Verifying chains against configured CAs is a listener setting to add,
// not a change here.
//
// KeySets resolves a client's public keys (jwks or jwks_uri, fetched with
// a timeout and cached) for client assertions and, in package authorize,
// request objects.
package clientauth
