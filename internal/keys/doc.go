// Package keys holds each project's JWS signing keys: it makes them, seals
// them at rest, rotates them, signs with them, publishes them as a JWKS and
// verifies tokens Signet itself issued. It owns no routes; discovery serves
// the JWKS it builds, and tokens and users sign through its Signers.
//
// # Algorithms
//
// A project has keys per algorithm: RS256 (the default, and the only one
// the Stytch SDKs accept for session JWTs), PS256, ES256 and EdDSA (the
// project's choice for access tokens). RSA keys are 2048-bit.
//
// # Lifecycle of a key
//
//	created    EnsureKeys or Rotate generates it and stores it sealed.
//	published  From creation it is in the JWKS, so verifiers can fetch it
//	           before any token it signs reaches them.
//	signing    From ActivatesAt Signer picks it: the newest key of its
//	           algorithm that has activated.
//	retired    When its successor activates it stops signing
//	           (RetiresAt = successor's ActivatesAt), but stays published.
//	removed    At RemoveAt (successor's ActivatesAt + retain, longer than any
//	           token it signed lives) it leaves the JWKS and Verify refuses
//	           it; the store's Sweep deletes the row later.
//
// The store makes the swap atomic (store.Keys.RotateKey): there is never a
// moment with no current key, nor with two.
//
// # Publish before signing
//
// No token is signed by a key that the JWKS of every node does not already
// serve (OpenID Connect Core §10.1.1). A node's view of a project's keys
// is at most CacheTTL (+1 s while it is re-read) old, so a key signs only
// from MinPublishDelay = CacheTTL + 6 s after its creation: Rotate refuses
// a shorter publish delay, and EnsureKeys gives a project that already has
// keys (other nodes may have viewed them) a new key that activates that
// late. A project's first keys sign at once: EnsureKeys makes them in one
// transaction, and a view with no key is never cached, so no node can
// hold a view that lacks them. Projects get RS256, PS256 and ES256 keys
// at creation (internal/projects; existing projects at start-up), so a key
// is never made on the request path in practice; if one must be (a
// project set to EdDSA by hand, say), the request that needs it fails
// until the key is published everywhere, rather than sign with it early
// or with an algorithm the client did not register.
//
// # At rest
//
// Private keys are PKCS#8 DER sealed with AES-256-GCM under a key derived
// from the operator's MasterKey, with the project ID, key ID and algorithm
// as additional data, so a sealed key is bound to its row. The published
// public keys are derived from the opened private keys, never read from the
// stored JWK, so everything Signet trusts is vouched for by the master key.
// A key that does not open (sealed under another master key, or altered)
// is left out of the JWKS and never signs; it is logged, and
// Manager.Unreadable reports it for /readyz. Its project's other keys and
// every other project go on working. Package keyring makes sure a
// database is used with one master key, and re-seals every key when the
// master key is rotated (NewKeySealer).
//
// # Caching
//
// A Manager keeps each project's opened, parsed keys and its serialized
// JWKS in memory, behind an atomic pointer: signing takes no lock and no
// database round trip. An entry is re-read after Options.CacheTTL (or at
// the next RemoveAt, if sooner), or at once when Invalidate is called:
// by the Manager's own rotations, and, through store.Changes, when any
// other process (a node, `signet keys rotate`) changes the project's keys.
// The root JWKS (UnionJWKS) is built from the same entries, so it is
// never staler than a project's own.
package keys
