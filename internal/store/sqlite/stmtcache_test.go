package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// cacheDB opens a one-connection database, so every call below lands on
// the same cachingConn.
func cacheDB(t *testing.T) (*sql.DB, *cachingConn) {
	t.Helper()
	db := openDB(filepath.Join(t.TempDir(), "cache.db"))
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.ExecContext(t.Context(), `CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var cc *cachingConn
	if err := conn.Raw(func(dc any) error { cc = dc.(*cachingConn); return nil }); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close() // back to the pool
	return db, cc
}

// TestStmtCacheReuse: a query runs on one prepared statement however often
// it runs, and keeps answering with the current arguments.
func TestStmtCacheReuse(t *testing.T) {
	db, cc := cacheDB(t)
	ctx := t.Context()
	const ins = `INSERT INTO t (k, v) VALUES (?, ?)`
	for i := range 5 {
		if _, err := db.ExecContext(ctx, ins, i, "v"); err != nil {
			t.Fatal(err)
		}
	}
	s := cc.stmts[ins]
	if s == nil {
		t.Fatal("the insert was not cached")
	}
	for i := range 5 {
		var k int
		if err := db.QueryRowContext(ctx, `SELECT k FROM t WHERE k = ?`, i).Scan(&k); err != nil || k != i {
			t.Fatalf("SELECT %d: got %d, %v", i, k, err)
		}
	}
	if cc.stmts[ins] != s || len(cc.stmts) != 3 {
		t.Fatalf("cache holds %d statements; want the create's, the insert's (unchanged) and the select's", len(cc.stmts))
	}
	if cc.stmts[`SELECT k FROM t WHERE k = ?`].busy {
		t.Fatal("a statement whose rows closed is still marked busy")
	}
}

// TestStmtCacheNested: the same query run again while its rows are open
// gets its own statement; both read their own results.
func TestStmtCacheNested(t *testing.T) {
	db, _ := cacheDB(t)
	ctx := t.Context()
	for i := range 3 {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (k, v) VALUES (?, ?)`, i, "v"); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.BeginTx(ctx, nil) // one connection for both queries
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	const q = `SELECT k FROM t WHERE k >= ? ORDER BY k`
	outer, err := tx.QueryContext(ctx, q, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for outer.Next() {
		var k int
		if err := outer.Scan(&k); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+q+`)`, k).Scan(&n); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.QueryContext(ctx, q, k)
		if err != nil {
			t.Fatal(err)
		}
		m := 0
		for inner.Next() {
			m++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		if m != n {
			t.Fatalf("inner query from %d read %d rows, want %d", k, m, n)
		}
		got = append(got, k)
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("outer query read %v, want 0 1 2", got)
	}
}

// TestStmtCacheFailure: a statement whose run failed is dropped, and the
// same query succeeds afterwards.
func TestStmtCacheFailure(t *testing.T) {
	db, cc := cacheDB(t)
	ctx := t.Context()
	const ins = `INSERT INTO t (k, v) VALUES (?, ?)`
	if _, err := db.ExecContext(ctx, ins, 1, "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, ins, 1, "v"); err == nil {
		t.Fatal("a duplicate key was inserted")
	}
	if _, ok := cc.stmts[ins]; ok {
		t.Fatal("the failed statement is still cached")
	}
	if _, err := db.ExecContext(ctx, ins, 2, "v"); err != nil {
		t.Fatalf("the query after a failure: %v", err)
	}
}
