package sqlstore

import (
	"context"
	"database/sql"
)

// rowUpdate is the read-modify-write every UpdateX operation shares, run
// inside the caller's transaction by [update].
type rowUpdate[T any] struct {
	// lock reads the row under the backend's row lock (ForUpdate), so a
	// check fn makes on it is a compare-and-set.
	lock func() (T, error)
	// keep restores on v what fn may not change (IDs, owner, creation
	// time, and whatever else the operation documents).
	keep func(v *T, orig T)
	// save writes v, and what hangs off it.
	save func(v *T) error
	// read reads the row back, so the caller sees what a later read will
	// (times at store precision, empty lists as nil). Nil means lock.
	read func() (T, error)
}

// update locks the row, applies fn, restores what fn may not change,
// saves, and reads the result back. An error from any step, fn's included,
// is returned as it is, and the caller's transaction rolls back.
func update[T any](u rowUpdate[T], fn func(*T) error) (T, error) {
	var zero T
	v, err := u.lock()
	if err != nil {
		return zero, err
	}
	orig := v
	if err := fn(&v); err != nil {
		return zero, err
	}
	if u.keep != nil {
		u.keep(&v, orig)
	}
	if err := u.save(&v); err != nil {
		return zero, err
	}
	if u.read == nil {
		return u.lock()
	}
	return u.read()
}

// rowReader is a rowUpdate's lock or read for a row one query selects:
// not found (or a key that is not text) is store.ErrNotFound.
func rowReader[T any](ctx context.Context, tx *sql.Tx, what string, scan func(scanner) (T, error), q string, args ...any) func() (T, error) {
	return func() (T, error) {
		v, err := scan(tx.QueryRowContext(ctx, q, args...))
		if err != nil {
			var zero T
			return zero, readErr(what, err)
		}
		return v, nil
	}
}

// updateRow is a rowUpdate's save for a row whose changeable columns
// fields lists: one UPDATE of those columns where the key matches.
func updateRow[T any](ctx context.Context, tx *sql.Tx, db *DB, op, table, where string, key []any, fields func(*T) []column) func(*T) error {
	return func(v *T) error {
		q, args := updateSQL(table, where, key, fields(v))
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.writeErr(op, err)
		}
		return nil
	}
}
