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
//	created    Rotate (or EnsureKey) generates it and stores it sealed.
//	published  From creation it is in the JWKS, so verifiers can fetch it
//	           before any token it signs reaches them.
//	signing    From ActivatesAt (creation + publish delay) Signer picks it:
//	           the newest key of its algorithm that has activated.
//	retired    When its successor activates it stops signing
//	           (RetiresAt = successor's ActivatesAt), but stays published.
//	removed    At RemoveAt (successor's ActivatesAt + retain, longer than any
//	           token it signed lives) it leaves the JWKS and Verify refuses
//	           it; the store's Sweep deletes the row later.
//
// The store makes the swap atomic (store.Keys.RotateKey): there is never a
// moment with no current key, nor with two.
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
// the next RemoveAt, if sooner), which is how one node notices a rotation
// made by another or by the CLI; a rotation made through the Manager itself
// is seen at once. Because a new key is published long before it signs,
// a node that notices it up to CacheTTL late still signs correctly: it
// keeps using the old key, which stays valid until RemoveAt.
package keys
