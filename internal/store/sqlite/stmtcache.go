package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// Every query is parsed by SQLite before it runs (sqlite3_prepare_v2), and
// database/sql does it again for each call: for the short queries Signet
// runs, preparing costs more than running (a fifth of a sign-in flow's
// CPU, two fifths of a session authenticate's, measured). So each
// connection keeps the statements it prepared, by query text, and runs
// them again: modernc's statements reset themselves for reuse when their
// rows close. A statement still in use (its rows open while the same query
// runs again on the connection) is not shared: the second use prepares its
// own, as without the cache.

// maxCachedStmts bounds one connection's cache. Signet's queries are a
// fixed set of constant strings (a few hundred); the bound only guards
// against a caller building query text from data.
const maxCachedStmts = 512

// openDB opens the database dsn names with connections that keep their
// prepared statements.
func openDB(dsn string) *sql.DB {
	return sql.OpenDB(connector{dsn: dsn, driver: &sqlite.Driver{}})
}

type connector struct {
	dsn    string
	driver *sqlite.Driver
}

func (c connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(sqliteConn)
	if !ok {
		_ = conn.Close() // unusable: the error below is what matters
		return nil, errors.New("sqlite: the driver's connection lacks the context interfaces")
	}
	return &cachingConn{sqliteConn: inner, stmts: map[string]*cachedStmt{}}, nil
}

func (c connector) Driver() driver.Driver { return c.driver }

// sqliteConn is what modernc's connection implements and database/sql
// uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type cachingConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool // its rows are open
}

// take returns the idle cached statement of query, preparing and caching
// it if there is room; nil if it is busy, or cannot be cached (the caller
// then runs the query uncached).
func (c *cachingConn) take(ctx context.Context, query string) *cachedStmt {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil
		}
		s.busy = true
		return s
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil // the uncached call reports the error
	}
	full, ok := st.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		_ = st.Close() // not reusable; the uncached call runs the query
		return nil
	}
	s := &cachedStmt{stmt: full, busy: true}
	c.stmts[query] = s
	return s
}

// drop forgets a statement whose use failed: it is closed rather than
// trusted again.
func (c *cachingConn) drop(query string, s *cachedStmt) {
	delete(c.stmts, query)
	_ = s.stmt.Close() // a failed statement; the query's own error is reported
}

// ExecContext runs query on its cached statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s := c.take(ctx, query)
	if s == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	res, err := s.stmt.ExecContext(ctx, args)
	s.busy = false
	if err != nil {
		c.drop(query, s)
	}
	return res, err
}

// QueryContext runs query on its cached statement, which is busy until
// the rows close.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s := c.take(ctx, query)
	if s == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		s.busy = false
		c.drop(query, s)
		return nil, err
	}
	return &releasingRows{Rows: rows, release: func() { s.busy = false }}, nil
}

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	for q, s := range c.stmts {
		_ = s.stmt.Close() // the connection closes next, which reports
		delete(c.stmts, q)
	}
	return c.sqliteConn.Close()
}

// releasingRows marks its statement idle when closed.
type releasingRows struct {
	driver.Rows
	release func()
}

func (r *releasingRows) Close() error {
	err := r.Rows.Close()
	if r.release != nil {
		r.release()
		r.release = nil
	}
	return err
}
