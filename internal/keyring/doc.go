// Package keyring binds a master key to a database: every command checks
// the key against the database before using it, and `signet master-key
// rotate` moves the database to a new key.
//
// # The check value
//
// The database records HMAC-SHA256(mk.Derive("signet/master-key/check/v1"),
// "signet master key check v1") and a key ID ("mk-" and its first 6 bytes
// in hex), never the key. Open compares it in constant time and refuses a
// different key with a *MismatchError naming both IDs, so a second key
// can never seal part of a database (which once made every project's
// JWKS fail). A database made before the check existed records it on
// first use, but only for a key that opens the oldest sealed value it
// holds (a signing key, else a bank's credentials): the key it was made
// with, not one that merely happens to be set.
//
// # The pepper
//
// Secrets Signet makes (project and client secrets, session and refresh
// tokens, bank-flow cookies) are stored as HMACs under the pepper. Until
// 0015 the pepper was derived from the master key, so a new master key
// would have invalidated every stored hash. Now the pepper's seed is
// stored in the check row, sealed under the master key, and a rotation
// re-seals it like any other sealed value: the pepper never changes, and
// every hash stays valid. A database that predates 0015 keeps the pepper
// it had, because its seed is the old derivation,
// mk.Derive("signet/pepper/v1"), sealed on first use; a new database gets
// a random seed, independent of the master key.
//
// # Rotation
//
// Rotate opens every signing key, bank credential and the pepper seed
// with the old key and seals it under the new one, in one transaction
// with the new check (store.MasterKeys.RotateMasterKey). A value that
// does not open with the old key aborts it and nothing changes. Running
// servers hold the old key: stop them first (their /readyz reports the
// change, see Ring.Verify), then start them with the new key.
package keyring
