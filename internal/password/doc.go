// Package password hashes and checks end-user passwords, and scores a
// candidate password's strength.
//
// Hashes are argon2id (RFC 9106) in the PHC string format
//
//	$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
//
// so every stored hash carries the parameters it was made with and the
// parameters can be raised later: Verify reports when a hash is weaker than
// the Hasher's current parameters, and the caller rehashes after a
// successful check.
//
// Argon2id is memory-hard on purpose, which makes it a denial-of-service
// lever: a Hasher runs at most a fixed number of hashes at once (GOMAXPROCS
// by default) and queues the rest, so a flood of logins costs latency, not
// memory.
//
// This package is only for secrets people choose. Server-made secrets
// (client secrets, session tokens) are 256-bit random and use
// internal/secrets instead.
package password
