package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/signet-id/signet/internal/store"
)

const m2mColumns = `client_id, project_id, name, description, status, scopes, secret_hash, secret_last_four,
	next_secret_hash, next_secret_last_four, trusted_metadata, created_at, updated_at`

// CreateM2MClient inserts c. client_id is the primary key across all
// projects, so a taken ID is a *DuplicateError{Field: "client_id"} even if
// another project holds it.
func (db *DB) CreateM2MClient(ctx context.Context, c store.M2MClient) error {
	cols := append([]column{
		{"client_id", c.ClientID},
		{"project_id", c.ProjectID},
		{"created_at", micros(c.CreatedAt)},
	}, m2mFields(&c)...)
	q, args := insertSQL("m2m_clients", cols)
	if _, err := db.w.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("create m2m client", err)
	}
	return nil
}

// M2MClient finds a client by ID, in projectID or, if that is "", in any
// project (the token endpoint learns the project from the client).
func (db *DB) M2MClient(ctx context.Context, projectID, clientID string) (store.M2MClient, error) {
	q, args := `SELECT `+m2mColumns+` FROM m2m_clients WHERE client_id = $1`, []any{clientID}
	if projectID != "" {
		q, args = q+` AND project_id = $2`, append(args, projectID)
	}
	c, err := scanM2M(db.r.QueryRowContext(ctx, q, args...))
	if err != nil {
		return store.M2MClient{}, readErr("m2m client", err)
	}
	return c, nil
}

// UpdateM2MClient applies fn to the locked client and saves the result.
// ClientID, ProjectID and CreatedAt are restored after fn runs. Unlike
// M2MClient, projectID must match: every caller of an update knows it.
func (db *DB) UpdateM2MClient(ctx context.Context, projectID, clientID string, fn func(*store.M2MClient) error) (store.M2MClient, error) {
	const q = `SELECT ` + m2mColumns + ` FROM m2m_clients WHERE project_id = $1 AND client_id = $2`
	var out store.M2MClient
	err := db.changeTx(ctx, store.TopicM2MClient, clientID, func(tx *sql.Tx) (err error) {
		out, err = update(rowUpdate[store.M2MClient]{
			lock: rowReader(ctx, tx, "m2m client", scanM2M, q+db.d.ForUpdate, projectID, clientID),
			keep: func(c *store.M2MClient, orig store.M2MClient) {
				c.ClientID, c.ProjectID, c.CreatedAt = orig.ClientID, orig.ProjectID, orig.CreatedAt
			},
			save: updateRow(ctx, tx, db, "update m2m client", "m2m_clients", "project_id = $1 AND client_id = $2",
				[]any{projectID, clientID}, m2mFields),
			read: rowReader(ctx, tx, "m2m client", scanM2M, q, projectID, clientID),
		}, fn)
		return err
	})
	return out, err
}

// DeleteM2MClient deletes the client.
func (db *DB) DeleteM2MClient(ctx context.Context, projectID, clientID string) error {
	return db.changeTx(ctx, store.TopicM2MClient, clientID, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM m2m_clients WHERE project_id = $1 AND client_id = $2`,
			projectID, clientID)
		if err != nil {
			return fmt.Errorf("sqlstore: delete m2m client: %w", err)
		}
		return mustAffect("delete m2m client", res)
	})
}

// SearchM2MClients returns one page of the project's clients matching q,
// oldest first. Each set criterion (client IDs, status, scopes) is one
// operand of the AND or OR; a client matches the scopes criterion if it
// has any of them.
func (db *DB) SearchM2MClients(ctx context.Context, projectID string, q store.M2MQuery) (store.M2MResult, error) {
	var p params
	where := "project_id = " + p.add(projectID)
	var conds []string
	if len(q.ClientIDs) > 0 {
		conds = append(conds, in(&p, "client_id", q.ClientIDs))
	}
	if q.Status != "" {
		conds = append(conds, "status = "+p.add(q.Status))
	}
	if len(q.Scopes) > 0 {
		// scopes holds a JSON array of strings. Scope tokens cannot
		// contain '"' or '\' (RFC 6749 §3.3, NQCHAR), so a scope's quoted
		// JSON form occurs in the text exactly when it is an element.
		anyOf := make([]string, len(q.Scopes))
		for i, s := range q.Scopes {
			quoted, _ := json.Marshal(s) // a string always marshals
			anyOf[i] = "scopes LIKE " + p.add(containsPattern(string(quoted))) + ` ESCAPE '\'`
		}
		conds = append(conds, joinConds(anyOf, true))
	}
	where += " AND (" + joinConds(conds, q.Or) + ")"

	var res store.M2MResult
	err := db.page(ctx, pageQuery{
		count:     `SELECT COUNT(*) FROM m2m_clients WHERE ` + where,
		rows:      `SELECT ` + m2mColumns + ` FROM m2m_clients WHERE ` + where,
		createdAt: "created_at",
		id:        "client_id",
		params:    p,
		page:      q.Page,
	}, &res.Total, &res.NextCursor, func(rows *sql.Rows) (cursor, error) {
		c, err := scanM2M(rows)
		if err != nil {
			return cursor{}, err
		}
		res.Clients = append(res.Clients, c)
		return cursor{createdAt: micros(c.CreatedAt), id: c.ClientID}, nil
	})
	if err != nil {
		return store.M2MResult{}, err
	}
	return res, nil
}

// m2mFields are the columns of c that UpdateM2MClient may change.
func m2mFields(c *store.M2MClient) []column {
	return []column{
		{"name", c.Name},
		{"description", c.Description},
		{"status", c.Status},
		{"scopes", listText(c.Scopes)},
		{"secret_hash", c.SecretHash},
		{"secret_last_four", c.SecretLastFour},
		{"next_secret_hash", c.NextSecretHash},
		{"next_secret_last_four", c.NextSecretLastFour},
		{"trusted_metadata", jsonText(c.TrustedMetadata)},
		{"updated_at", micros(c.UpdatedAt)},
	}
}

func scanM2M(s scanner) (store.M2MClient, error) {
	var (
		c                store.M2MClient
		scopes, trusted  sql.NullString
		created, updated int64
	)
	if err := s.Scan(&c.ClientID, &c.ProjectID, &c.Name, &c.Description, &c.Status, &scopes,
		&c.SecretHash, &c.SecretLastFour, &c.NextSecretHash, &c.NextSecretLastFour, &trusted,
		&created, &updated); err != nil {
		return store.M2MClient{}, err
	}
	var err error
	if c.Scopes, err = fromListText(scopes); err != nil {
		return store.M2MClient{}, err
	}
	c.TrustedMetadata = fromJSONText(trusted)
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return c, nil
}
