package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/signet-id/signet/internal/store"
)

// SearchUsers returns one page of the project's users matching q, oldest
// first, with the total count of matches (ignoring the cursor).
func (db *DB) SearchUsers(ctx context.Context, projectID string, q store.UserQuery) (store.UserResult, error) {
	var p params
	where := "u.project_id = " + p.add(projectID)
	conds := make([]string, 0, len(q.Filters))
	for _, f := range q.Filters {
		c, err := userCond(&p, f)
		if err != nil {
			return store.UserResult{}, err
		}
		conds = append(conds, c)
	}
	where += " AND (" + joinConds(conds, q.Or) + ")"

	var res store.UserResult
	err := db.page(ctx, pageQuery{
		count:     `SELECT COUNT(*) FROM users u WHERE ` + where,
		rows:      selectUser + ` WHERE ` + where,
		createdAt: "u.created_at",
		id:        "u.id",
		params:    p,
		page:      q.Page,
	}, &res.Total, &res.NextCursor, func(rows *sql.Rows) (cursor, error) {
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

// userCond is the SQL condition of one filter. A filter with several
// values matches any of them.
func userCond(p *params, f store.UserFilter) (string, error) {
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
		return contains(p, "u.email_lower", f.Values), nil
	case store.UserByPhone:
		return in(p, "u.phone_number", f.Values), nil
	case store.UserByPhoneID:
		return in(p, "u.phone_id", f.Values), nil
	case store.UserByPhoneFuzzy:
		return contains(p, "u.phone_number", f.Values), nil
	case store.UserByFullNameFuzzy:
		return contains(p, "u.full_name_lower", f.Values), nil
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

// pageQuery is a keyset-paginated listing: a count over the filter, and
// rows of the filter after the cursor.
type pageQuery struct {
	count, rows   string // both end in a WHERE clause; rows gets more conditions
	createdAt, id string // the key columns
	params        params // arguments of both queries so far
	page          store.Page
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
	p := append(params(nil), q.params...)
	query := q.rows
	if ok {
		query += " AND " + afterCursor(&p, q.createdAt, q.id, after)
	}
	limit := pageLimit(q.page.Limit)
	// One row more than the page tells whether another page follows
	// without a second count.
	query += " ORDER BY " + q.createdAt + ", " + q.id + " LIMIT " + p.add(limit+1)
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
