package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/signet-id/signet/internal/store"
)

const (
	orgColumns = `o.id, o.project_id, o.name, o.slug, o.logo_url, o.external_id, o.trusted_metadata, o.status,
		o.email_allowed_domains, o.email_jit_provisioning, o.email_invites, o.auth_methods, o.allowed_auth_methods,
		o.mfa_policy, o.mfa_methods, o.allowed_mfa_methods,
		o.first_party_connected_apps_allowed_type, o.allowed_first_party_connected_apps,
		o.third_party_connected_apps_allowed_type, o.allowed_third_party_connected_apps,
		o.rbac_email_implicit_role_assignments, o.created_at, o.updated_at`
	selectOrg = `SELECT ` + orgColumns + ` FROM organizations o`
)

// CreateOrganization inserts o and its allowed-domain index in one
// transaction; the unique indexes decide races on slug and external ID.
func (db *DB) CreateOrganization(ctx context.Context, o store.Organization) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		cols := append([]column{
			{"project_id", o.ProjectID},
			{"id", o.ID},
			{"created_at", micros(o.CreatedAt)},
		}, orgFields(&o)...)
		q, args := insertSQL("organizations", cols)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.writeErr("create organization", err)
		}
		return insertOrgDomains(ctx, tx, &o)
	})
}

// Organization finds an organization by ID, slug or external ID in one
// query; the ORDER BY prefers the ID, then the slug, should one
// organization's slug or external ID equal another's ID.
func (db *DB) Organization(ctx context.Context, projectID, ref string) (store.Organization, error) {
	row := db.r.QueryRowContext(ctx, selectOrg+`
		WHERE o.project_id = $1 AND (o.id = $2 OR o.slug = $2 OR o.external_id = $2)
		ORDER BY CASE WHEN o.id = $2 THEN 0 WHEN o.slug = $2 THEN 1 ELSE 2 END
		LIMIT 1`, projectID, ref)
	o, err := scanOrganization(row)
	if err != nil {
		return store.Organization{}, readErr("organization", err)
	}
	return o, nil
}

// UpdateOrganization applies fn to the locked organization, saves it and
// rewrites its allowed-domain index, in one transaction.
func (db *DB) UpdateOrganization(ctx context.Context, projectID, orgID string, fn func(*store.Organization) error) (store.Organization, error) {
	var out store.Organization
	err := db.inTx(ctx, func(tx *sql.Tx) (err error) {
		lock := func() (store.Organization, error) { return db.lockOrganization(ctx, tx, projectID, orgID) }
		saveRow := updateRow(ctx, tx, db, "update organization", "organizations", "project_id = $1 AND id = $2",
			[]any{projectID, orgID}, orgFields)
		out, err = update(rowUpdate[store.Organization]{
			lock: lock,
			keep: func(o *store.Organization, orig store.Organization) {
				o.ID, o.ProjectID, o.CreatedAt = orig.ID, orig.ProjectID, orig.CreatedAt
			},
			save: func(o *store.Organization) error {
				if err := saveRow(o); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM organization_email_domains
					WHERE project_id = $1 AND organization_id = $2`, o.ProjectID, o.ID); err != nil {
					return fmt.Errorf("sqlstore: update organization domains: %w", err)
				}
				return insertOrgDomains(ctx, tx, o)
			},
		}, fn)
		return err
	})
	return out, err
}

// orgMembers is the subquery of the IDs of organization $2's members.
const orgMembers = `(SELECT id FROM members WHERE project_id = $1 AND organization_id = $2)`

// DeleteOrganization removes the organization and everything that hangs
// off it, children first, in one transaction. The foreign keys have no ON
// DELETE CASCADE on purpose (see DeleteUser): a table added later that
// references members or organizations (sessions, consents, grants) makes
// this fail loudly until its DELETE is listed here.
func (db *DB) DeleteOrganization(ctx context.Context, projectID, orgID string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM member_sessions WHERE project_id = $1 AND organization_id = $2`,
			// What its members granted Connected Apps (by the members'
			// index, which the grants and codes have).
			`DELETE FROM refresh_tokens WHERE project_id = $1 AND grant_id IN
				(SELECT id FROM grants WHERE project_id = $1 AND member_id IN ` + orgMembers + `)`,
			`DELETE FROM auth_codes WHERE project_id = $1 AND member_id IN ` + orgMembers,
			`DELETE FROM member_consents WHERE project_id = $1 AND organization_id = $2`,
			`DELETE FROM grants WHERE project_id = $1 AND member_id IN ` + orgMembers,
			`DELETE FROM member_passwords WHERE project_id = $1 AND member_id IN
				(SELECT id FROM members WHERE project_id = $1 AND organization_id = $2)`,
			`DELETE FROM members WHERE project_id = $1 AND organization_id = $2`,
			`DELETE FROM organization_email_domains WHERE project_id = $1 AND organization_id = $2`,
		} {
			if _, err := tx.ExecContext(ctx, q, projectID, orgID); err != nil {
				return fmt.Errorf("sqlstore: delete organization: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM organizations WHERE project_id = $1 AND id = $2`, projectID, orgID)
		if err != nil {
			return fmt.Errorf("sqlstore: delete organization: %w", err)
		}
		return mustAffect("delete organization", res)
	})
}

// lockOrganization reads an organization by ID inside tx for a
// read-modify-write.
func (db *DB) lockOrganization(ctx context.Context, tx *sql.Tx, projectID, orgID string) (store.Organization, error) {
	row := tx.QueryRowContext(ctx, selectOrg+` WHERE o.project_id = $1 AND o.id = $2`+db.d.ForUpdate, projectID, orgID)
	o, err := scanOrganization(row)
	if err != nil {
		return store.Organization{}, readErr("organization", err)
	}
	return o, nil
}

// insertOrgDomains writes the index rows of o.EmailAllowedDomains (which
// the caller has lower-cased and deduplicated).
func insertOrgDomains(ctx context.Context, tx *sql.Tx, o *store.Organization) error {
	for _, d := range o.EmailAllowedDomains {
		if _, err := tx.ExecContext(ctx, `INSERT INTO organization_email_domains (project_id, organization_id, domain)
			VALUES ($1, $2, $3)`, o.ProjectID, o.ID, d); err != nil {
			return fmt.Errorf("sqlstore: organization domain: %w", err)
		}
	}
	return nil
}

// orgFields are the columns of o that UpdateOrganization may change,
// with the folded search columns.
func orgFields(o *store.Organization) []column {
	return []column{
		{"name", o.Name},
		{"name_lower", strings.ToLower(o.Name)},
		{"slug", o.Slug},
		{"slug_lower", strings.ToLower(o.Slug)},
		{"logo_url", o.LogoURL},
		{"external_id", nullString(o.ExternalID)},
		{"trusted_metadata", jsonText(o.TrustedMetadata)},
		{"status", o.Status},
		{"email_allowed_domains", listText(o.EmailAllowedDomains)},
		{"email_jit_provisioning", o.EmailJITProvisioning},
		{"email_invites", o.EmailInvites},
		{"auth_methods", o.AuthMethods},
		{"allowed_auth_methods", listText(o.AllowedAuthMethods)},
		{"mfa_policy", o.MFAPolicy},
		{"mfa_methods", o.MFAMethods},
		{"allowed_mfa_methods", listText(o.AllowedMFAMethods)},
		{"first_party_connected_apps_allowed_type", o.FirstPartyConnectedApps},
		{"allowed_first_party_connected_apps", listText(o.AllowedFirstPartyConnectedApps)},
		{"third_party_connected_apps_allowed_type", o.ThirdPartyConnectedApps},
		{"allowed_third_party_connected_apps", listText(o.AllowedThirdPartyConnectedApps)},
		{"rbac_email_implicit_role_assignments", emailRolesText(o.EmailImplicitRoles)},
		{"updated_at", micros(o.UpdatedAt)},
	}
}

// scanOrganization reads orgColumns.
func scanOrganization(s scanner) (store.Organization, error) {
	var o store.Organization
	dest, finish := organizationScan(&o)
	if err := s.Scan(dest...); err != nil {
		return store.Organization{}, err
	}
	if err := finish(); err != nil {
		return store.Organization{}, err
	}
	return o, nil
}

// organizationScan returns the scan destinations of orgColumns for o and
// what completes o after the scan (memberScan's twin).
func organizationScan(o *store.Organization) ([]any, func() error) {
	var (
		extID, trusted                   sql.NullString
		domains, authMethods, mfaMethods sql.NullString
		firstParty, thirdParty           sql.NullString
		emailRoles                       sql.NullString
		created, updated                 int64
	)
	dest := []any{&o.ID, &o.ProjectID, &o.Name, &o.Slug, &o.LogoURL, &extID, &trusted, &o.Status,
		&domains, &o.EmailJITProvisioning, &o.EmailInvites, &o.AuthMethods, &authMethods,
		&o.MFAPolicy, &o.MFAMethods, &mfaMethods,
		&o.FirstPartyConnectedApps, &firstParty, &o.ThirdPartyConnectedApps, &thirdParty,
		&emailRoles, &created, &updated}
	return dest, func() error {
		o.ExternalID = extID.String
		o.TrustedMetadata = fromJSONText(trusted)
		for _, l := range []struct {
			in  sql.NullString
			out *[]string
		}{
			{domains, &o.EmailAllowedDomains},
			{authMethods, &o.AllowedAuthMethods},
			{mfaMethods, &o.AllowedMFAMethods},
			{firstParty, &o.AllowedFirstPartyConnectedApps},
			{thirdParty, &o.AllowedThirdPartyConnectedApps},
		} {
			var err error
			if *l.out, err = fromListText(l.in); err != nil {
				return err
			}
		}
		if emailRoles.Valid && emailRoles.String != "" {
			if err := json.Unmarshal([]byte(emailRoles.String), &o.EmailImplicitRoles); err != nil {
				return fmt.Errorf("sqlstore: stored implicit roles: %w", err)
			}
		}
		o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
		return nil
	}
}

// emailRolesText stores implicit role assignments as a JSON list of
// {domain, role_id}; none is NULL.
func emailRolesText(l []store.EmailRole) any {
	if len(l) == 0 {
		return nil
	}
	b, _ := json.Marshal(l) // strings only: always marshals
	return string(b)
}
