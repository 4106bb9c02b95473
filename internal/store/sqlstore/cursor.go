package sqlstore

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/signet-id/signet/internal/store"
)

// Listings are keyset-paginated on (created_at, id), oldest first: a page
// starts strictly after the last row of the previous one, so rows inserted
// meanwhile never shift a page or appear twice, and every page costs one
// index range scan however deep it is (an OFFSET would rescan the skipped
// rows).

const (
	defaultLimit = 100
	maxLimit     = 1000
)

// pageLimit applies the default and the ceiling.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}

// cursor is the position after which the next page starts.
type cursor struct {
	createdAt int64
	id        string
}

// encodeCursor makes the opaque form: base64url of "<micros>:<id>". It is
// not secret or signed; a forged cursor only moves the caller within rows
// of their own project that the filter already lets them see.
func encodeCursor(c cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.createdAt, 10) + ":" + c.id))
}

// decodeCursor parses a cursor; "" is the first page (ok false).
func decodeCursor(s string) (c cursor, ok bool, err error) {
	if s == "" {
		return cursor{}, false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, false, fmt.Errorf("%w: %w", store.ErrInvalidCursor, err)
	}
	at, id, found := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(at, 10, 64)
	if !found || err != nil || id == "" {
		return cursor{}, false, store.ErrInvalidCursor
	}
	return cursor{createdAt: n, id: id}, true, nil
}

// params collects positional arguments and hands out their $N markers, so
// a query assembled from optional parts stays correctly numbered.
type params []any

func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// list adds each value and returns "$3, $4, $5" for an IN (...) clause.
func (p *params) list(vs []string) string {
	marks := make([]string, len(vs))
	for i, v := range vs {
		marks[i] = p.add(v)
	}
	return strings.Join(marks, ", ")
}

// likeEscaper escapes LIKE's wildcards; queries say ESCAPE '\' explicitly
// because SQLite has no default escape character.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// containsPattern is a LIKE pattern matching s anywhere.
func containsPattern(s string) string {
	return "%" + likeEscaper.Replace(s) + "%"
}

// matchNothing stands in for a filter that cannot match (an empty IN
// list, which is a syntax error in SQL).
const matchNothing = "1 = 0"

// joinConds joins conditions with AND or OR, each parenthesised; no
// conditions match everything.
func joinConds(conds []string, or bool) string {
	if len(conds) == 0 {
		return "1 = 1"
	}
	op := " AND "
	if or {
		op = " OR "
	}
	return "(" + strings.Join(conds, ")"+op+"(") + ")"
}

// afterCursor adds the keyset condition for the page after c. Row-value
// comparison is in both databases (SQLite since 3.15) and uses the
// (project_id, created_at, id) index.
func afterCursor(p *params, createdCol, idCol string, c cursor) string {
	return "(" + createdCol + ", " + idCol + ") > (" + p.add(c.createdAt) + ", " + p.add(c.id) + ")"
}
