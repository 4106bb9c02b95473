package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/signet-id/signet/internal/store"
)

// RBACPolicy returns the stored policy of a project or organization.
func (db *DB) RBACPolicy(ctx context.Context, projectID, organizationID string) (store.RBACPolicyRecord, error) {
	p := store.RBACPolicyRecord{ProjectID: projectID, OrganizationID: organizationID}
	var (
		doc string
		at  int64
	)
	err := db.r.QueryRowContext(ctx, `SELECT document, updated_at FROM rbac_policies
		WHERE project_id = $1 AND organization_id = $2`, projectID, organizationID).Scan(&doc, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return p, store.ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("sqlstore: rbac policy: %w", err)
	}
	p.Document, p.UpdatedAt = []byte(doc), fromMicros(at)
	return p, nil
}

// SetRBACPolicy replaces the policy in one upsert and announces
// TopicRBACPolicy with the project ID.
func (db *DB) SetRBACPolicy(ctx context.Context, p store.RBACPolicyRecord) error {
	return db.changeTx(ctx, store.TopicRBACPolicy, p.ProjectID, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO rbac_policies (project_id, organization_id, document, updated_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (project_id, organization_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
			p.ProjectID, p.OrganizationID, string(p.Document), micros(p.UpdatedAt))
		if err != nil {
			return db.writeErr("set rbac policy", err)
		}
		return nil
	})
}
