package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/signet-id/signet/internal/store"
)

// SearchUsers returns one page of the project's users matching q, oldest
// first, with the count of matches (ignoring the cursor; bounded by
// store.MaxSearchTotal).
func (db *DB) SearchUsers(ctx context.Context, projectID string, q store.UserQuery) (store.UserResult, error) {
	pq, err := db.userSearch(ctx, projectID, q)
	if err != nil {
		return store.UserResult{}, err
	}
	var res store.UserResult
	err = db.page(ctx, pq, &res.Total, &res.NextCursor, func(rows *sql.Rows) (cursor, error) {
		u, err := scanUser(rows, true)
		if err != nil {
			return cursor{}, err
		}
		res.Users = append(res.Users, u)
		return cursor{createdAt: micros(u.CreatedAt), id: u.ID}, nil
	})
	if err != nil {
		return store.UserResult{}, err
	}
	return res, nil
}

// ExplainSearchUsers returns the database's plans for the two queries of
// SearchUsers(projectID, q): the count, then the first page, one line per
// plan step. Tests use it to check that an index serves each filter
// (an index that silently goes unused shows up as a scan); operators can
// use it the same way on their own data.
func (db *DB) ExplainSearchUsers(ctx context.Context, projectID string, q store.UserQuery) (count, rows string, err error) {
	pq, err := db.userSearch(ctx, projectID, q)
	if err != nil {
		return "", "", err
	}
	rowsSQL, p := pq.rowsSQL(cursor{}, false)
	if count, err = db.explain(ctx, pq.count, pq.params); err != nil {
		return "", "", err
	}
	rows, err = db.explain(ctx, rowsSQL, p)
	return count, rows, err
}

// explain runs the dialect's EXPLAIN of query and joins the last column
// of each row (SQLite's plan detail, PostgreSQL's plan line).
func (db *DB) explain(ctx context.Context, query string, p params) (string, error) {
	rows, err := db.r.QueryContext(ctx, db.d.Explain+query, p...)
	if err != nil {
		return "", fmt.Errorf("sqlstore: explain: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", fmt.Errorf("sqlstore: explain: %w", err)
	}
	var plan strings.Builder
	vals := make([]any, len(cols))
	for i := range vals {
		vals[i] = new(sql.NullString)
	}
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return "", fmt.Errorf("sqlstore: explain: %w", err)
		}
		plan.WriteString(vals[len(vals)-1].(*sql.NullString).String)
		plan.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("sqlstore: explain: %w", err)
	}
	return plan.String(), nil
}

// userSearch is the listing SearchUsers runs.
func (db *DB) userSearch(ctx context.Context, projectID string, q store.UserQuery) (pageQuery, error) {
	var p params
	project := p.add(projectID)
	where := "u.project_id = " + project
	conds := make([]string, 0, len(q.Filters))
	for _, f := range q.Filters {
		c, err := db.userCond(ctx, &p, project, f)
		if err != nil {
			return pageQuery{}, err
		}
		conds = append(conds, c)
	}
	where += " AND (" + joinConds(conds, q.Or) + ")"
	return pageQuery{
		count:     `SELECT COUNT(*) FROM (SELECT 1 FROM users u WHERE ` + where + ` LIMIT ` + strconv.Itoa(store.MaxSearchTotal) + `) AS matches`,
		rows:      selectUser + ` WHERE ` + where,
		createdAt: "u.created_at",
		id:        "u.id",
		params:    p,
		page:      q.Page,
	}, nil
}

// userCond is the SQL condition of one filter. A filter with several
// values matches any of them. project is the placeholder of the project
// ID.
func (db *DB) userCond(ctx context.Context, p *params, project string, f store.UserFilter) (string, error) {
	switch f.Field {
	case store.UserByStatus:
		return in(p, "u.status", f.Values), nil
	case store.UserByID:
		return in(p, "u.id", f.Values), nil
	case store.UserByEmail:
		folded := make([]string, len(f.Values))
		for i, v := range f.Values {
			folded[i] = foldEmail(v)
		}
		return in(p, "u.email_lower", folded), nil
	case store.UserByEmailID:
		return in(p, "u.email_id", f.Values), nil
	case store.UserByEmailFuzzy:
		return db.userContains(ctx, p, project, "email_lower", f.Values)
	case store.UserByPhone:
		return in(p, "u.phone_number", f.Values), nil
	case store.UserByPhoneID:
		return in(p, "u.phone_id", f.Values), nil
	case store.UserByPhoneFuzzy:
		return db.userContains(ctx, p, project, "phone_number", f.Values)
	case store.UserByFullNameFuzzy:
		return db.userContains(ctx, p, project, "full_name_lower", f.Values)
	case store.UserByCreatedAfter:
		return "u.created_at > " + p.add(micros(f.From)), nil
	case store.UserByCreatedBefore:
		return "u.created_at < " + p.add(micros(f.To)), nil
	case store.UserByCreatedBetween:
		return "u.created_at > " + p.add(micros(f.From)) + " AND u.created_at < " + p.add(micros(f.To)), nil
	case store.UserByEmailVerified:
		// Users without an email have nothing to be verified or not.
		return "u.email_address IS NOT NULL AND u.email_verified = " + p.add(f.Bool), nil
	case store.UserByPhoneVerified:
		return "u.phone_number IS NOT NULL AND u.phone_verified = " + p.add(f.Bool), nil
	case store.UserByPasswordExists:
		exists := "EXISTS (SELECT 1 FROM passwords pw WHERE pw.project_id = u.project_id AND pw.user_id = u.id)"
		if !f.Bool {
			exists = "NOT " + exists
		}
		return exists, nil
	}
	return "", fmt.Errorf("sqlstore: unknown user filter %q", f.Field)
}

// in is col IN (values); no values match nothing.
func in(p *params, col string, values []string) string {
	if len(values) == 0 {
		return matchNothing
	}
	return col + " IN (" + p.list(values) + ")"
}

// contains is a case-insensitive substring match against a column that
// holds lower-cased text. The pattern is lower-cased in Go, so LIKE's own
// case rules (insensitive for ASCII in SQLite, sensitive in Postgres)
// never come into play.
func contains(p *params, col string, values []string) string {
	if len(values) == 0 {
		return matchNothing
	}
	conds := make([]string, len(values))
	for i, v := range values {
		conds[i] = col + " LIKE " + p.add(containsPattern(strings.ToLower(v))) + ` ESCAPE '\'`
	}
	return joinConds(conds, true)
}

// userContains is contains on a column of users that has a substring
// index. PostgreSQL's (pg_trgm, migration 0019) serves the LIKE itself,
// and its planner weighs the index against a scan from its statistics.
//
// SQLite's is the users_search FTS5 table, and SQLite cannot weigh it, so
// this does: for a value of three characters or more (the trigram
// tokenizer's shortest phrase) that few rows hold (fewer than
// ftsSparse, counted in the index and stopping there), the condition
// also asks that the user be among the index's matches, so SQLite starts
// from those few rows. A value many rows hold is matched by the LIKE
// alone: walking the project in creation order finds a page of them
// quickly, where starting from the index would read every match. The
// LIKE stays in both cases, so the index only has to find a superset
// (FTS5 folds case by its own rules).
func (db *DB) userContains(ctx context.Context, p *params, project, col string, values []string) (string, error) {
	if !db.d.SubstringFTS || len(values) == 0 {
		return contains(p, "u."+col, values), nil
	}
	conds := make([]string, len(values))
	for i, v := range values {
		v = strings.ToLower(v)
		conds[i] = "u." + col + " LIKE " + p.add(containsPattern(v)) + ` ESCAPE '\'`
		if utf8.RuneCountInString(v) < 3 {
			continue
		}
		// An FTS5 string: the value in double quotes, quotes doubled, is
		// one phrase, matched as a substring under the trigram tokenizer
		// (FTS5 query syntax §3.1).
		phrase := col + ` : "` + strings.ReplaceAll(v, `"`, `""`) + `"`
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM
			(SELECT 1 FROM users_search WHERE users_search MATCH $1 LIMIT `+strconv.Itoa(ftsSparse)+`) AS hits`,
			phrase).Scan(&n); err != nil {
			return "", fmt.Errorf("sqlstore: search index: %w", err)
		}
		if n >= ftsSparse {
			continue
		}
		conds[i] += ` AND u.id IN (SELECT k.user_id FROM users_search s
			JOIN user_search_keys k ON k.rowid = s.rowid
			WHERE users_search MATCH ` + p.add(phrase) + ` AND k.project_id = ` + project + `)`
	}
	return joinConds(conds, true), nil
}

// ftsSparse is the number of index matches (across projects) from which
// a fuzzy value counts as common: reading that many candidates costs
// about what walking the project to fill a page of them does.
const ftsSparse = 2000

// pageQuery is a keyset-paginated listing: a count over the filter, and
// rows of the filter after the cursor.
type pageQuery struct {
	count, rows   string // both end in a WHERE clause; rows gets more conditions
	createdAt, id string // the key columns
	params        params // arguments of both queries so far
	page          store.Page
}

// rowsSQL is the query of one page (after the cursor position after, if
// ok) and its arguments. It asks for one row more than the page, which
// tells whether another page follows without a second count.
func (q pageQuery) rowsSQL(after cursor, ok bool) (string, params) {
	p := append(params(nil), q.params...)
	query := q.rows
	if ok {
		query += " AND " + afterCursor(&p, q.createdAt, q.id, after)
	}
	query += " ORDER BY " + q.createdAt + ", " + q.id + " LIMIT " + p.add(pageLimit(q.page.Limit)+1)
	return query, p
}

// page counts the matches into total (unless total is nil: listings
// without a total skip the count), then scans one page with scan (which
// returns each row's position) and sets next when more rows follow.
func (db *DB) page(ctx context.Context, q pageQuery, total *int, next *string, scan func(*sql.Rows) (cursor, error)) error {
	after, ok, err := decodeCursor(q.page.Cursor)
	if err != nil {
		return err
	}
	if total != nil {
		if err := db.r.QueryRowContext(ctx, q.count, q.params...).Scan(total); err != nil {
			return fmt.Errorf("sqlstore: count: %w", err)
		}
	}
	query, p := q.rowsSQL(after, ok)
	limit := pageLimit(q.page.Limit)
	rows, err := db.r.QueryContext(ctx, query, p...)
	if err != nil {
		return fmt.Errorf("sqlstore: list: %w", err)
	}
	defer rows.Close()
	var last cursor
	for n := 0; rows.Next(); n++ {
		if n == limit {
			*next = encodeCursor(last)
			break
		}
		if last, err = scan(rows); err != nil {
			return fmt.Errorf("sqlstore: list: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: list: %w", err)
	}
	return nil
}
