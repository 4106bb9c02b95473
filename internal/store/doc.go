// Package store is Signet's storage contract: the records every capability
// keeps, the sentinel errors backends return, and the atomic operations they
// offer. It holds no SQL and imports no driver.
//
// Operations are business steps, not row CRUD: "create this user unless the
// email is taken", "record a failed password check and lock the user after N",
// "rotate this project's signing key". Each one is atomic in every backend.
//
// Backends live in sqlite and postgres (both built on sqlstore, which holds
// the portable SQL). storetest is the one conformance suite they both pass.
//
// A server runs its store under WithDeadline: every operation gets a
// deadline, and one the database does not meet (or a database out of
// reach) fails with ErrUnavailable, which the HTTP layer answers with 503.
package store
