package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// The sign-in throttle counters (store.LoginThrottles) are rows of
// login_throttles (migration 0012 describes them). Every counter moves in
// one INSERT ... ON CONFLICT DO UPDATE ... RETURNING: the database
// serialises concurrent updates of a row (Postgres by its row lock,
// SQLite by its single writer), so parallel attempts, from one node or
// many, are each counted, and each learns the state its own update made.
// A check is one round trip, and needs no transaction.
//
// The rows are of three kinds, but one statement updates all of them: a
// column a kind does not use stays 0 through every formula below (a
// fixed-window counter never has failures, so never earns a delay; a pair
// never has a window), so a claim moves the address, the pair and the
// account at once.

// upsertThrottles is the head of that statement; throttleSet is the rest.
// Parameters: $1 now, $2 free failures, $3 delay, $4 maximum delay, $5 the
// doubling after which the maximum applies, then six per row (id,
// window_start, hits, failures, blocked_until, expires_at). A row past its
// expires_at is read as new (Sweep may not have removed it yet). Both
// databases evaluate every SET expression on the row as it was before the
// statement.
const upsertThrottles = `INSERT INTO login_throttles (id, window_start, hits, failures, blocked_until, known_until, refused, expires_at) VALUES `

const throttleSet = ` ON CONFLICT (id) DO UPDATE SET
	refused = login_throttles.expires_at > $1 AND login_throttles.blocked_until > $1,
	hits = CASE WHEN login_throttles.expires_at <= $1 OR excluded.window_start > login_throttles.window_start
		THEN excluded.hits ELSE login_throttles.hits + excluded.hits END,
	window_start = CASE WHEN login_throttles.expires_at <= $1 OR excluded.window_start > login_throttles.window_start
		THEN excluded.window_start ELSE login_throttles.window_start END,
	failures = CASE WHEN login_throttles.expires_at <= $1 THEN excluded.failures
		WHEN login_throttles.blocked_until > $1 THEN login_throttles.failures
		ELSE login_throttles.failures + excluded.failures END,
	blocked_until = CASE WHEN login_throttles.expires_at <= $1 THEN excluded.blocked_until
		WHEN login_throttles.blocked_until > $1 THEN login_throttles.blocked_until
		WHEN login_throttles.failures + excluded.failures <= $2 THEN 0
		WHEN login_throttles.failures + excluded.failures - $2 - 1 >= $5 THEN $1 + $4
		ELSE $1 + (CAST($3 AS BIGINT) << CAST(login_throttles.failures + excluded.failures - $2 - 1 AS INTEGER)) END,
	known_until = CASE WHEN login_throttles.expires_at <= $1 THEN 0 ELSE login_throttles.known_until END,
	expires_at = CASE WHEN login_throttles.expires_at > excluded.expires_at
		THEN login_throttles.expires_at ELSE excluded.expires_at END
	RETURNING id, hits, failures, blocked_until, known_until, refused`

// throttleRow is one counter's part in the statement.
type throttleRow struct {
	id                                                   string
	windowStart, hits, failures, blockedUntil, expiresAt int64
}

// throttleState is a counter after the statement.
type throttleState struct {
	hits, failures, blockedUntil, knownUntil int64
	refused                                  bool
}

// throttle is a store.LoginPolicy made safe to compute with, in
// microseconds.
type throttle struct {
	addrWindow, acctWindow int64
	free                   int64
	delay, maxDelay        int64
	maxShift               int64
	forget, knownFor       int64
}

func newThrottle(p store.LoginPolicy) throttle {
	t := throttle{
		addrWindow: max(p.AddressWindow.Microseconds(), 1),
		acctWindow: max(p.AccountWindow.Microseconds(), 1),
		free:       int64(max(p.FreeFailures, 0)),
		delay:      max(p.Delay.Microseconds(), 0),
		maxDelay:   max(p.MaxDelay.Microseconds(), 0),
		knownFor:   max(p.KnownFor.Microseconds(), 0),
	}
	if t.delay == 0 {
		t.maxDelay = 0 // no delays at all
	}
	t.delay = min(t.delay, t.maxDelay)
	// The delay doubles per failure until it reaches the maximum: the
	// statement shifts by at most maxShift-1, so it cannot overflow.
	for t.delay > 0 && t.maxShift < 62 && t.delay<<t.maxShift < t.maxDelay {
		t.maxShift++
	}
	t.forget = max(p.Forget.Microseconds(), t.maxDelay, 1)
	return t
}

// blockedAfter is the statement's blocked_until for a pair's f-th
// failure at now (the value a new row starts with).
func (t throttle) blockedAfter(f, now int64) int64 {
	switch k := f - t.free - 1; {
	case k < 0:
		return 0
	case k >= t.maxShift:
		return now + t.maxDelay
	default:
		return now + t.delay<<k
	}
}

// windowStart is the start of the fixed window of length w holding now.
func windowStart(now, w int64) int64 { return now - now%w }

func throttleIDs(a store.LoginAttempt) (addr, pair, acct string) {
	return "addr:" + a.ProjectID + ":" + a.Address,
		"pair:" + a.ProjectID + ":" + a.Account + ":" + a.Address,
		"acct:" + a.ProjectID + ":" + a.Account
}

// upsertThrottles runs the statement on rows and returns each row's state
// by id.
func (db *DB) upsertThrottles(ctx context.Context, t throttle, now int64, rows ...throttleRow) (map[string]throttleState, error) {
	var q strings.Builder
	q.WriteString(upsertThrottles)
	args := []any{now, t.free, t.delay, t.maxDelay, t.maxShift}
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, 0, FALSE, $%d)", n+1, n+2, n+3, n+4, n+5, n+6)
		args = append(args, r.id, r.windowStart, r.hits, r.failures, r.blockedUntil, r.expiresAt)
	}
	q.WriteString(throttleSet)
	res, err := db.w.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: login throttle: %w", err)
	}
	defer res.Close()
	out := make(map[string]throttleState, len(rows))
	for res.Next() {
		var (
			id string
			s  throttleState
		)
		if err := res.Scan(&id, &s.hits, &s.failures, &s.blockedUntil, &s.knownUntil, &s.refused); err != nil {
			return nil, fmt.Errorf("sqlstore: login throttle: %w", err)
		}
		out[id] = s
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: login throttle: %w", err)
	}
	if len(out) != len(rows) {
		return nil, fmt.Errorf("sqlstore: login throttle: %d of %d counters returned", len(out), len(rows))
	}
	return out, nil
}

// ClaimLoginAttempt counts an attempt before its password is checked
// (store.LoginThrottles): one statement over the address, pair and
// account rows, locked in that order by every claim, so concurrent
// claims cannot deadlock.
func (db *DB) ClaimLoginAttempt(ctx context.Context, a store.LoginAttempt, p store.LoginPolicy, now time.Time) (store.LoginClaim, error) {
	t, at := newThrottle(p), micros(now)
	addr, pair, acct := throttleIDs(a)
	aw, cw := windowStart(at, t.addrWindow), windowStart(at, t.acctWindow)
	states, err := db.upsertThrottles(ctx, t, at,
		throttleRow{id: addr, windowStart: aw, hits: 1, expiresAt: aw + t.addrWindow},
		throttleRow{id: pair, failures: 1, blockedUntil: t.blockedAfter(1, at), expiresAt: at + t.forget},
		throttleRow{id: acct, windowStart: cw, expiresAt: cw + t.acctWindow},
	)
	if err != nil {
		return store.LoginClaim{}, err
	}
	ps := states[pair]
	c := store.LoginClaim{
		AddressAttempts: int(states[addr].hits),
		AccountFailures: int(states[acct].hits),
		PairFailures:    int(ps.failures),
		Delayed:         ps.refused,
		Known:           ps.knownUntil > at,
	}
	if ps.blockedUntil > at {
		c.DelayedUntil = fromMicros(ps.blockedUntil)
	}
	return c, nil
}

// LoginFailed adds a failure to the account's current window.
func (db *DB) LoginFailed(ctx context.Context, a store.LoginAttempt, p store.LoginPolicy, now time.Time) error {
	t, at := newThrottle(p), micros(now)
	_, _, acct := throttleIDs(a)
	cw := windowStart(at, t.acctWindow)
	_, err := db.upsertThrottles(ctx, t, at, throttleRow{id: acct, windowStart: cw, hits: 1, expiresAt: cw + t.acctWindow})
	return err
}

// LoginSucceeded resets the pair and marks its address known.
func (db *DB) LoginSucceeded(ctx context.Context, a store.LoginAttempt, p store.LoginPolicy, now time.Time) error {
	t, at := newThrottle(p), micros(now)
	_, pair, _ := throttleIDs(a)
	known := at + t.knownFor
	_, err := db.w.ExecContext(ctx, `INSERT INTO login_throttles (id, known_until, expires_at) VALUES ($1, $2, $2)
		ON CONFLICT (id) DO UPDATE SET failures = 0, blocked_until = 0, refused = FALSE, known_until = excluded.known_until,
			expires_at = CASE WHEN login_throttles.expires_at > excluded.expires_at
				THEN login_throttles.expires_at ELSE excluded.expires_at END`, pair, known)
	if err != nil {
		return fmt.Errorf("sqlstore: login succeeded: %w", err)
	}
	return nil
}

// LiftLoginLock deletes the account's counter and resets the pair's
// failures and delay; whether the address is known stays.
func (db *DB) LiftLoginLock(ctx context.Context, a store.LoginAttempt) error {
	_, pair, acct := throttleIDs(a)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_throttles WHERE id = $1`, acct); err != nil {
			return fmt.Errorf("sqlstore: lift login lock: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE login_throttles SET failures = 0, blocked_until = 0, refused = FALSE
			WHERE id = $1`, pair); err != nil {
			return fmt.Errorf("sqlstore: lift login lock: %w", err)
		}
		return nil
	})
}
