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
//   - tls_client_auth (RFC 8705 §2.1), PKI: the chain is validated,
//   - self_signed_tls_client_auth (RFC 8705 §2.2).
//
// A client that registered a token_endpoint_auth_method may use that one
// only. The package owns no routes.
//
// Mutual TLS and the TLS layer: the listener asks for any client
// certificate (tls.RequestClientCert) and verifies no chain, since which
// anchors to trust depends on the client. Here, PKI tls_client_auth first
// validates the chain (the intermediates the client sent) to the
// project's trust anchors (set by the operator: `signet project set
// --tls-client-auth-trust-anchors`) or the client's own
// (tls_client_auth_trust_anchors), for client authentication, and only
// then matches the registered subject DN or subjectAltName (§2.1.2); a
// self-signed certificate that copies the subject is not the client. With
// no anchor configured no PKI certificate is trusted.
// self_signed_tls_client_auth trusts no chain: the certificate's public
// key must be one of the client's registered keys (jwks or jwks_uri).
//
// KeySets resolves a client's public keys (jwks or jwks_uri, fetched with
// a timeout and cached) for client assertions and, in package authorize,
// request objects.
package clientauth
