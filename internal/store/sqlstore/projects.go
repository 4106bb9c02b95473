package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/signet-id/signet/internal/store"
)

// defaultTokenAlg is the access-token algorithm of a project created
// without one (see store.Project.TokenAlg).
const defaultTokenAlg = "RS256"

const projectColumns = `id, name, secret_hash, token_alg, vertical, created_at, next_secret_hash, tls_client_auth_trust_anchors,
	open_registration, software_statement_keys`

// CreateProject inserts p; a taken id is a *DuplicateError{Field: "project_id"}.
func (db *DB) CreateProject(ctx context.Context, p store.Project) error {
	if p.TokenAlg == "" {
		p.TokenAlg = defaultTokenAlg
	}
	if p.Vertical == "" {
		p.Vertical = store.VerticalConsumer
	}
	q, args := insertSQL("projects", []column{
		{"id", p.ID},
		{"name", p.Name},
		{"secret_hash", p.SecretHash},
		{"token_alg", p.TokenAlg},
		{"vertical", p.Vertical},
		{"created_at", micros(p.CreatedAt)},
		{"tls_client_auth_trust_anchors", p.TLSClientAuthTrustAnchors},
		{"open_registration", p.Registration.Open},
		{"software_statement_keys", p.Registration.SoftwareStatementKeys},
	})
	if _, err := db.w.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("create project", err)
	}
	return nil
}

// Project finds a project by id.
func (db *DB) Project(ctx context.Context, id string) (store.Project, error) {
	row := db.r.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = $1`, id)
	p, err := scanProject(row)
	if err != nil {
		return store.Project{}, readErr("project", err)
	}
	return p, nil
}

// ListProjects returns every project, oldest first. There are few (one per
// tenant), so the list is not paginated.
func (db *DB) ListProjects(ctx context.Context) ([]store.Project, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+projectColumns+` FROM projects ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list projects: %w", err)
	}
	defer rows.Close()
	var ps []store.Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list projects: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list projects: %w", err)
	}
	return ps, nil
}

// SetProjectTokenAlg changes the access-token algorithm of a project.
func (db *DB) SetProjectTokenAlg(ctx context.Context, id, alg string) error {
	return db.changeTx(ctx, store.TopicProject, id, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE projects SET token_alg = $2 WHERE id = $1`, id, alg)
		if err != nil {
			return fmt.Errorf("sqlstore: set token alg: %w", err)
		}
		return mustAffect("set token alg", res)
	})
}

// SetProjectTrustAnchors replaces the PEM certificates a project's PKI
// tls_client_auth clients must chain to.
func (db *DB) SetProjectTrustAnchors(ctx context.Context, id, pem string) error {
	return db.changeTx(ctx, store.TopicProject, id, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE projects SET tls_client_auth_trust_anchors = $2 WHERE id = $1`, id, pem)
		if err != nil {
			return fmt.Errorf("sqlstore: set trust anchors: %w", err)
		}
		return mustAffect("set trust anchors", res)
	})
}

// UpdateProjectSecret applies fn to the locked project and saves its
// secret hashes. It announces TopicProject in the same transaction: every
// node's project-auth cache holds the secret hashes it checked, and must
// stop accepting an old secret once a rotation completes or is cancelled.
func (db *DB) UpdateProjectSecret(ctx context.Context, id string, fn func(*store.Project) error) (store.Project, error) {
	const q = `SELECT ` + projectColumns + ` FROM projects WHERE id = $1`
	var out store.Project
	err := db.changeTx(ctx, store.TopicProject, id, func(tx *sql.Tx) (err error) {
		out, err = update(rowUpdate[store.Project]{
			lock: rowReader(ctx, tx, "project", scanProject, q+db.d.ForUpdate, id),
			save: func(p *store.Project) error {
				if len(p.NextSecretHash) == 0 {
					p.NextSecretHash = nil
				}
				// Only the secret hashes are written: nothing else of
				// the project changes here, whatever fn did.
				if _, err := tx.ExecContext(ctx, `UPDATE projects SET secret_hash = $2, next_secret_hash = $3 WHERE id = $1`,
					id, p.SecretHash, p.NextSecretHash); err != nil {
					return fmt.Errorf("sqlstore: update project secret: %w", err)
				}
				return nil
			},
			read: rowReader(ctx, tx, "project", scanProject, q, id),
		}, fn)
		return err
	})
	return out, err
}

func scanProject(s scanner) (store.Project, error) {
	var (
		p  store.Project
		at int64
	)
	if err := s.Scan(&p.ID, &p.Name, &p.SecretHash, &p.TokenAlg, &p.Vertical, &at, &p.NextSecretHash, &p.TLSClientAuthTrustAnchors,
		&p.Registration.Open, &p.Registration.SoftwareStatementKeys); err != nil {
		return store.Project{}, err
	}
	if len(p.NextSecretHash) == 0 {
		p.NextSecretHash = nil
	}
	p.CreatedAt = fromMicros(at)
	return p, nil
}
