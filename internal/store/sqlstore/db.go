package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// Dialect is what truly differs between the backends at run time.
type Dialect struct {
	// UniqueViolation reports whether err is a unique-constraint violation
	// and names the constraint as <table>_<column>_key, where column is the
	// last column of the key. Both schemas name their constraints that way,
	// so Postgres reports the name it has; SQLite, which reports the
	// columns ("users.project_id, users.email_lower"), derives it.
	UniqueViolation func(err error) (constraint string, ok bool)
	// ForUpdate is appended to the SELECT that reads a row which the same
	// transaction then writes back. Postgres needs " FOR UPDATE" so two
	// READ COMMITTED transactions cannot both read the old value. SQLite
	// has no row locks and rejects the clause; its backend begins every
	// transaction with BEGIN IMMEDIATE (_txlock=immediate), which already
	// holds the database write lock, so there it is "".
	ForUpdate string
	// SourceLock, if not "", is run first in a transaction that counts
	// and then writes the rows of one source (a client address under a
	// bound), with a 32-bit key of the source as $1, so such transactions
	// take turns. Postgres: an advisory transaction lock. SQLite: "", its
	// write transactions already exclude each other.
	SourceLock string
	// Unavailable reports whether err means the database is out of reach
	// rather than that the operation failed: no connection, disk full,
	// read-only, the write lock held elsewhere (store.Unavailabler).
	Unavailable func(err error) bool
	// Notify, if set, announces a change to every process sharing the
	// database from inside the writing transaction (see changeTx). Nil
	// means the database has one process (SQLite): changes are delivered
	// in process.
	Notify func(ctx context.Context, tx *sql.Tx, topic, key string) error
	// SubstringFTS says the schema has the users_search FTS5 table
	// (SQLite, migration 0019) for the fuzzy user filters. PostgreSQL's
	// trigram indexes serve LIKE directly and need nothing here.
	SubstringFTS bool
	// Explain prefixes a query to get its plan instead of its rows
	// ("EXPLAIN QUERY PLAN " for SQLite, "EXPLAIN " for PostgreSQL).
	Explain string
}

// DB is a store.Store over database/sql.
type DB struct {
	w, r *sql.DB
	d    Dialect
	subs subscribers
}

var _ store.Store = (*DB)(nil)

// New returns a store that writes through write and reads through read
// (which may be the same pool). Close closes both.
func New(d Dialect, write, read *sql.DB) *DB {
	return &DB{w: write, r: read, d: d}
}

// Ping reports whether both pools reach the database.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	if err := db.r.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	return nil
}

// ProbeWrite moves the first row of schema_migrations, the one table
// every migrated database has and no request touches, one microsecond
// forth and back in one transaction: both databases write (and, on
// commit, log) a changed page, so a full disk or a read-only database
// fails here, yet nothing is left changed. (SQLite skips writing a row
// rewritten with the same bytes, so a no-op UPDATE would prove nothing.)
func (db *DB) ProbeWrite(ctx context.Context) error {
	const q = `UPDATE schema_migrations SET applied_at = applied_at + $1
		WHERE version = (SELECT MIN(version) FROM schema_migrations)`
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, delta := range []int{1, -1} {
			res, err := tx.ExecContext(ctx, q, delta)
			if err != nil {
				return fmt.Errorf("sqlstore: probe write: %w", err)
			}
			if err := mustAffect("probe write", res); err != nil {
				return fmt.Errorf("sqlstore: probe write: no migrations applied: %w", err)
			}
		}
		return nil
	})
}

// Unavailable reports whether err means the database is out of reach
// (Dialect.Unavailable); store.WithDeadline reports such errors as
// store.ErrUnavailable.
func (db *DB) Unavailable(err error) bool {
	return db.d.Unavailable != nil && db.d.Unavailable(err)
}

// Close closes the pools.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// revokedGrantRetention is how long Sweep keeps a revoked grant (and its
// refresh tokens): meanwhile a replay of one of its codes or tokens is
// still recognised as reuse instead of looking unknown, which is what
// incident logs want to show.
const revokedGrantRetention = 24 * time.Hour

// Sweep deletes what has expired: sessions, member sessions, keys past their removal time,
// authorization codes, pushed requests, used JWT IDs, bank verification
// flows, remembered bank choices, refresh tokens, and grants that expired
// or were revoked more than revokedGrantRetention ago together with their
// refresh tokens. All of it is already invisible to reads; this only reclaims
// space. One transaction, so a grant and its tokens go together (tokens
// first, for the foreign key) and a failed sweep leaves nothing half done.
// Sign-in throttle counters past their expiry go too.
func (db *DB) Sweep(ctx context.Context, now time.Time) (int, error) {
	at, revokedBefore := micros(now), micros(now.Add(-revokedGrantRetention))
	const deadGrants = `SELECT id FROM grants WHERE expires_at <= $1 OR revoked_at < $2`
	n := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, st := range []struct {
			q    string
			args []any
		}{
			{`DELETE FROM sessions WHERE expires_at <= $1`, []any{at}},
			{`DELETE FROM member_sessions WHERE expires_at <= $1`, []any{at}},
			{`DELETE FROM intermediate_sessions WHERE expires_at <= $1`, []any{at}},
			{`DELETE FROM signing_keys WHERE remove_at <= $1`, []any{at}},
			{`DELETE FROM auth_codes WHERE expires_at <= $1`, []any{at}},
			{`DELETE FROM pushed_requests WHERE expires_at <= $1`, []any{at}},
			{`DELETE FROM used_jtis WHERE expires_at <= $1`, []any{at}},
			{`DELETE FROM bank_verifications WHERE expires_at <= $1`, []any{at}},
			{`DELETE FROM bank_choices WHERE expires_at <= $1`, []any{at}},
			{`DELETE FROM login_throttles WHERE expires_at <= $1`, []any{at}},
			{`DELETE FROM logout_deliveries WHERE created_at <= $1`, []any{micros(now.Add(-store.LogoutDeliveryRetention))}},
			{`DELETE FROM registration_tokens WHERE expires_at <= $1 OR uses >= max_uses`, []any{at}},
			{`DELETE FROM refresh_tokens WHERE expires_at <= $1 OR grant_id IN (` + deadGrants + `)`, []any{at, revokedBefore}},
			{`DELETE FROM grants WHERE expires_at <= $1 OR revoked_at < $2`, []any{at, revokedBefore}},
		} {
			res, err := tx.ExecContext(ctx, st.q, st.args...)
			if err != nil {
				return fmt.Errorf("sqlstore: sweep: %w", err)
			}
			c, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("sqlstore: sweep: %w", err)
			}
			n += int(c)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// inTx runs fn in a write transaction and commits if fn succeeds. fn's
// error is returned as is, so sentinels and *DuplicateError survive; it
// rolls the transaction back unless it is a *commitThen.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		var keep *commitThen
		if !errors.As(err, &keep) {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return errors.Join(keep.err, fmt.Errorf("sqlstore: commit: %w", err))
		}
		return keep.err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
	}
	return nil
}

// commitThen is returned by an inTx function that fails but whose writes
// must stand: a replayed one-time credential is refused, and the
// revocation that the replay triggers is committed all the same.
type commitThen struct{ err error }

func (c *commitThen) Error() string { return c.err.Error() }

// uniqueFields maps constraint names (see Dialect.UniqueViolation) to the
// field a *store.DuplicateError reports.
var uniqueFields = map[string]string{
	"projects_id_key":                           "project_id",
	"signing_keys_id_key":                       "key_id",
	"users_id_key":                              "user_id",
	"users_email_lower_key":                     "email",
	"users_phone_number_key":                    "phone_number",
	"users_external_id_key":                     "external_id",
	"sessions_id_key":                           "session_id",
	"sessions_token_hash_key":                   "session_token",
	"m2m_clients_client_id_key":                 "client_id",
	"connected_apps_client_id_key":              "client_id",
	"connected_app_registrations_client_id_key": "client_id",
	"registration_tokens_id_key":                "registration_token_id",
	"registration_tokens_token_hash_key":        "registration_token",
	"grants_id_key":                             "grant_id",
	"auth_codes_hash_key":                       "code",
	"refresh_tokens_hash_key":                   "refresh_token",
	// 0007: a bank customer is one user of a project; flow IDs are
	// unique on the instance (the callback finds a flow by ID alone).
	"user_bank_subjects_subject_key": "bank_subject",
	"bank_verifications_id_key":      "bank_verification_id",
	// 0014: B2B organizations and members.
	"organizations_id_key":          "organization_id",
	"organizations_slug_key":        "organization_slug",
	"organizations_external_id_key": "organization_external_id",
	"members_id_key":                "member_id",
	"members_email_lower_key":       "member_email",
	"members_external_id_key":       "member_external_id",
	"members_mfa_phone_number_key":  "member_phone_number",
	"member_passwords_id_key":       "member_password_id",
	// 0021: the audit log.
	"audit_events_id_key": "event_id",
	// 0022: B2B member sessions.
	"member_sessions_id_key":         "member_session_id",
	"member_sessions_token_hash_key": "session_token",
}

// writeErr turns a unique violation into a *store.DuplicateError and wraps
// anything else with the operation's name.
func (db *DB) writeErr(op string, err error) error {
	if name, ok := db.d.UniqueViolation(err); ok {
		field := uniqueFields[name]
		if field == "" {
			field = name
		}
		return &store.DuplicateError{Field: field}
	}
	if notText(err) {
		return fmt.Errorf("sqlstore: %s: %w (%w)", op, store.ErrInvalidText, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// readErr maps "no rows" to store.ErrNotFound, and so a key that is not
// text: no row can hold it.
func readErr(op string, err error) error {
	if errors.Is(err, sql.ErrNoRows) || notText(err) {
		return store.ErrNotFound
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// notText reports whether err is the database refusing text it cannot
// hold, even as a query parameter: PostgreSQL's SQLSTATE 22021
// character_not_in_repertoire (invalid UTF-8, a NUL) or 22P05
// untranslatable_character (\u0000 in json or jsonb, text the server
// cannot convert to its encoding). SQLite keeps any bytes, so
// the API checks text at its edges and this only backs that up. The
// driver's error is matched by its SQLState method (pgconn.PgError has
// one), keeping this package free of drivers.
func notText(err error) bool {
	var pe interface{ SQLState() string }
	return errors.As(err, &pe) && (pe.SQLState() == "22021" || pe.SQLState() == "22P05")
}

// mustAffect returns store.ErrNotFound when a write matched no row.
func mustAffect(op string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// column is one column of an INSERT or UPDATE with its value, so names and
// values are written side by side and cannot drift out of order.
type column struct {
	name string
	v    any
}

// insertSQL builds INSERT INTO table (a, b) VALUES ($1, $2).
func insertSQL(table string, cols []column) (string, []any) {
	names := make([]string, len(cols))
	marks := make([]string, len(cols))
	vals := make([]any, len(cols))
	for i, c := range cols {
		names[i], marks[i], vals[i] = c.name, "$"+strconv.Itoa(i+1), c.v
	}
	return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES (" +
		strings.Join(marks, ", ") + ")", vals
}

// updateSQL builds UPDATE table SET a = $3, b = $4 WHERE <where>, where the
// WHERE clause uses $1 and $2 for the key values, which come first.
func updateSQL(table, where string, key []any, cols []column) (string, []any) {
	sets := make([]string, len(cols))
	vals := append([]any(nil), key...)
	for i, c := range cols {
		vals = append(vals, c.v)
		sets[i] = c.name + " = $" + strconv.Itoa(len(vals))
	}
	return "UPDATE " + table + " SET " + strings.Join(sets, ", ") + " WHERE " + where, vals
}

// Times are stored as unix microseconds, the finest unit both databases
// and JSON clients share; reads return UTC.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// nullString stores "" as NULL, so optional unique columns (external ID)
// only collide when set: NULLs are distinct in a unique index in both
// databases.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBytes stores an empty byte string (an optional hash) as NULL, and
// orNil reads it back as nil, so a record reads back as it was written.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func orNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// jsonText stores a JSON document as TEXT; nil stays NULL so a record
// reads back exactly as it was written.
func jsonText(v json.RawMessage) any {
	if v == nil {
		return nil
	}
	return string(v)
}

func fromJSONText(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

// listText stores a string list as a JSON array; an empty list is NULL and
// reads back as nil.
func listText(l []string) any {
	if len(l) == 0 {
		return nil
	}
	b, _ := json.Marshal(l) // a []string always marshals
	return string(b)
}

func fromListText(s sql.NullString) ([]string, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	var l []string
	if err := json.Unmarshal([]byte(s.String), &l); err != nil {
		return nil, fmt.Errorf("sqlstore: stored list: %w", err)
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}
