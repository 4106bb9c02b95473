package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

//go:generate go run ./internal/gendeadline

// WithDeadline returns s with every operation bounded by timeout, so a
// database that stops answering (a frozen server, a lost network, a write
// lock held elsewhere) costs a request at most timeout instead of holding it,
// its connection and its goroutine for as long as the fault lasts.
//
// Each call runs under its own context.WithTimeout of the caller's context:
// the deadline covers waiting for a pooled connection, connecting, every
// statement and the commit. An operation that fails because its deadline
// passed (or the caller's, if earlier) returns an error wrapping
// ErrUnavailable, as does one that fails for a reason s classifies as the
// database being out of reach (see Unavailabler). Other errors, and
// successes, are returned as they are. Nothing is retried: when the database
// answers again, the next call simply works.
//
// Sweep and Close are not bounded: the sweeper is background maintenance
// whose run grows with what expired, and no request waits for it.
//
// The wrapper's methods are generated from the Store contract
// (deadline_gen.go): a method added to Store does not compile until
// `go generate ./internal/store` has bounded it too.
func WithDeadline(s Store, timeout time.Duration) Store {
	d := &deadlined{s: s, timeout: timeout}
	if u, ok := s.(Unavailabler); ok {
		d.down = u.Unavailable
	}
	return d
}

// Unavailabler is implemented by a backend that can tell a database out of
// reach (no connection, disk full, read-only) from a failed operation.
type Unavailabler interface {
	Unavailable(err error) bool
}

type deadlined struct {
	s       Store
	timeout time.Duration
	down    func(error) bool // nil: only deadlines count
}

var _ Store = (*deadlined)(nil)

// check maps err to ErrUnavailable when the operation's context ran out or
// the backend says the database is out of reach. A context error can come
// back disguised (database/sql reports a statement after its transaction's
// context ended as sql.ErrTxDone), hence the test of ctx itself.
func (d *deadlined) check(ctx context.Context, err error) error {
	switch {
	case err == nil, errors.Is(err, ErrUnavailable):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(ctx.Err(), context.DeadlineExceeded),
		d.down != nil && d.down(err):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

func (d *deadlined) Sweep(ctx context.Context, now time.Time) (int, error) {
	return d.s.Sweep(ctx, now)
}

func (d *deadlined) Close() error { return d.s.Close() }
