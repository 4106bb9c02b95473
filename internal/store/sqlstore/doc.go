// Package sqlstore implements store.Store once, in portable SQL over
// database/sql, for both the sqlite and postgres backends.
//
// Why one core and not one implementation per backend: the two databases
// agree on everything Signet needs (numbered $N placeholders, which
// modernc.org/sqlite binds too; ON CONFLICT; RETURNING; row-value
// comparisons; LIKE ... ESCAPE; BOOLEAN; BIGINT). Two copies of every
// operation would drift apart, and the conformance suite could only catch
// the drift after the fact.
//
// Why no runtime translation (dex's regex "flavors", rewriting Postgres SQL
// into SQLite SQL): the SQL here is written once in the common subset, so
// nothing is rewritten and what you read is what runs. Types are chosen to
// mean the same in both: times are BIGINT unix microseconds in UTC, lists
// and JSON documents are TEXT holding JSON, and case folding is done in Go
// (strings.ToLower) into dedicated columns, so SQLite's ASCII-only LOWER and
// Postgres' locale-aware one never disagree about which emails collide.
//
// What does differ lives in a small Dialect the backend passes to New:
// how to recognise a unique-constraint violation, the row-lock suffix
// for read-modify-write transactions, and how a write announces a change
// to other processes (store.Changes: NOTIFY on Postgres; in process on
// SQLite, which has one). Each backend keeps its own numbered,
// embedded migrations (the DDL is where the types differ: BLOB or BYTEA)
// and applies them with Migrate.
//
// Writes go to one pool and reads to another, which may be the same. SQLite
// allows one writer at a time, so its backend gives the write pool a single
// connection (writers queue in Go instead of spinning in the busy handler)
// and reads a larger pool, which WAL lets run beside the writer.
package sqlstore
