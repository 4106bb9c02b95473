package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/signet-id/signet/internal/store"
)

var _ store.ConnectedApps = (*DB)(nil)

const connectedColumns = `client_id, project_id, name, description, type, status, redirect_urls,
	post_logout_redirect_urls, origin_urls, logo_url, full_access_allowed, bypass_consent_for_offline_access,
	access_token_expiry_minutes, access_token_custom_audience, access_token_template, id_token_template,
	secret_hash, secret_last_four, next_secret_hash, next_secret_last_four, created_at, updated_at,
	jwks, jwks_uri, token_endpoint_auth_method, tls_client_auth_subject_dn, tls_client_auth_san_dns,
	tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email,
	require_pushed_authorization_requests, request_object_signing_alg, authorization_signed_response_alg,
	authorization_encrypted_response_alg, authorization_encrypted_response_enc, id_token_signed_response_alg,
	id_token_encrypted_response_alg, id_token_encrypted_response_enc, tls_client_certificate_bound_access_tokens,
	security_profile, require_signed_request_object, tls_client_auth_trust_anchors, dpop_bound_access_tokens,
	backchannel_logout_uri, backchannel_logout_session_required`

// CreateConnectedApp inserts c. client_id is the primary key across all
// projects (the OP's endpoints find a client by ID alone), so a taken ID
// is a *DuplicateError{Field: "client_id"} even if another project holds it.
func (db *DB) CreateConnectedApp(ctx context.Context, c store.ConnectedApp) error {
	cols := append([]column{
		{"client_id", c.ClientID},
		{"project_id", c.ProjectID},
		{"type", c.Type},
		{"created_at", micros(c.CreatedAt)},
	}, connectedFields(&c)...)
	q, args := insertSQL("connected_apps", cols)
	if _, err := db.w.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("create connected app", err)
	}
	return nil
}

// ConnectedApp finds a client by ID, in projectID or, if that is "", in
// any project (the authorization and token endpoints learn the project
// from the client).
func (db *DB) ConnectedApp(ctx context.Context, projectID, clientID string) (store.ConnectedApp, error) {
	q, args := `SELECT `+connectedColumns+` FROM connected_apps WHERE client_id = $1`, []any{clientID}
	if projectID != "" {
		q, args = q+` AND project_id = $2`, append(args, projectID)
	}
	c, err := scanConnected(db.r.QueryRowContext(ctx, q, args...))
	if err != nil {
		return store.ConnectedApp{}, readErr("connected app", err)
	}
	return c, nil
}

// UpdateConnectedApp applies fn to the locked client and saves the result.
// ClientID, ProjectID, Type and CreatedAt are restored after fn runs: the
// type decides whether the client has a secret and must use PKCE, so a
// client never changes it (Stytch makes it immutable too).
func (db *DB) UpdateConnectedApp(ctx context.Context, projectID, clientID string, fn func(*store.ConnectedApp) error) (store.ConnectedApp, error) {
	const q = `SELECT ` + connectedColumns + ` FROM connected_apps WHERE project_id = $1 AND client_id = $2`
	var out store.ConnectedApp
	err := db.changeTx(ctx, store.TopicConnectedApp, clientID, func(tx *sql.Tx) (err error) {
		out, err = update(rowUpdate[store.ConnectedApp]{
			lock: rowReader(ctx, tx, "connected app", scanConnected, q+db.d.ForUpdate, projectID, clientID),
			keep: func(c *store.ConnectedApp, orig store.ConnectedApp) {
				c.ClientID, c.ProjectID, c.Type, c.CreatedAt = orig.ClientID, orig.ProjectID, orig.Type, orig.CreatedAt
			},
			save: updateRow(ctx, tx, db, "update connected app", "connected_apps", "project_id = $1 AND client_id = $2",
				[]any{projectID, clientID}, connectedFields),
			read: rowReader(ctx, tx, "connected app", scanConnected, q, projectID, clientID),
		}, fn)
		return err
	})
	return out, err
}

// DeleteConnectedApp removes the client and everything users granted it,
// in one transaction: once the client is gone, no code it was sent can be
// redeemed and no refresh token it holds can be rotated. Children go
// first (refresh tokens before the grants they reference), so the foreign
// keys hold at every statement. Every statement is scoped to the project,
// so a client of another project deletes nothing and the transaction
// ends in ErrNotFound.
func (db *DB) DeleteConnectedApp(ctx context.Context, projectID, clientID string) error {
	return db.changeTx(ctx, store.TopicConnectedApp, clientID, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM refresh_tokens WHERE project_id = $1 AND grant_id IN
				(SELECT id FROM grants WHERE project_id = $1 AND client_id = $2)`,
			`DELETE FROM auth_codes WHERE project_id = $1 AND client_id = $2`,
			`DELETE FROM pushed_requests WHERE project_id = $1 AND client_id = $2`,
			`DELETE FROM consents WHERE project_id = $1 AND client_id = $2`,
			`DELETE FROM member_consents WHERE project_id = $1 AND client_id = $2`,
			`DELETE FROM grants WHERE project_id = $1 AND client_id = $2`,
			`DELETE FROM connected_app_registrations WHERE project_id = $1 AND client_id = $2`,
		} {
			if _, err := tx.ExecContext(ctx, q, projectID, clientID); err != nil {
				return fmt.Errorf("sqlstore: delete connected app: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM connected_apps WHERE project_id = $1 AND client_id = $2`,
			projectID, clientID)
		if err != nil {
			return fmt.Errorf("sqlstore: delete connected app: %w", err)
		}
		return mustAffect("delete connected app", res)
	})
}

// SearchConnectedApps returns one page of the project's clients, oldest
// first. The Stytch API reports no total here, so no count is run.
func (db *DB) SearchConnectedApps(ctx context.Context, projectID string, pg store.Page) (store.ConnectedAppResult, error) {
	var p params
	where := "project_id = " + p.add(projectID)
	var res store.ConnectedAppResult
	err := db.page(ctx, pageQuery{
		rows:      `SELECT ` + connectedColumns + ` FROM connected_apps WHERE ` + where,
		createdAt: "created_at",
		id:        "client_id",
		params:    p,
		page:      pg,
	}, nil, &res.NextCursor, func(rows *sql.Rows) (cursor, error) {
		c, err := scanConnected(rows)
		if err != nil {
			return cursor{}, err
		}
		res.Apps = append(res.Apps, c)
		return cursor{createdAt: micros(c.CreatedAt), id: c.ClientID}, nil
	})
	if err != nil {
		return store.ConnectedAppResult{}, err
	}
	return res, nil
}

// connectedFields are the columns of c that UpdateConnectedApp may change.
func connectedFields(c *store.ConnectedApp) []column {
	return []column{
		{"name", c.Name},
		{"description", c.Description},
		{"status", c.Status},
		{"redirect_urls", listText(c.RedirectURLs)},
		{"post_logout_redirect_urls", listText(c.PostLogoutRedirectURLs)},
		{"origin_urls", listText(c.OriginURLs)},
		{"logo_url", c.LogoURL},
		{"full_access_allowed", c.FullAccessAllowed},
		{"bypass_consent_for_offline_access", c.BypassConsentForOfflineAccess},
		{"access_token_expiry_minutes", c.AccessTokenExpiryMinutes},
		{"access_token_custom_audience", c.AccessTokenCustomAudience},
		{"access_token_template", c.AccessTokenTemplate},
		{"id_token_template", c.IDTokenTemplate},
		{"secret_hash", c.SecretHash},
		{"secret_last_four", c.SecretLastFour},
		{"next_secret_hash", c.NextSecretHash},
		{"next_secret_last_four", c.NextSecretLastFour},
		{"updated_at", micros(c.UpdatedAt)},
		{"jwks", jsonText(c.JWKS)},
		{"jwks_uri", c.JWKSURI},
		{"token_endpoint_auth_method", c.TokenEndpointAuthMethod},
		{"tls_client_auth_subject_dn", c.TLSClientAuthSubjectDN},
		{"tls_client_auth_san_dns", c.TLSClientAuthSANDNS},
		{"tls_client_auth_san_uri", c.TLSClientAuthSANURI},
		{"tls_client_auth_san_ip", c.TLSClientAuthSANIP},
		{"tls_client_auth_san_email", c.TLSClientAuthSANEmail},
		{"require_pushed_authorization_requests", c.RequirePAR},
		{"request_object_signing_alg", c.RequestObjectSigningAlg},
		{"authorization_signed_response_alg", c.AuthorizationSignedResponseAlg},
		{"authorization_encrypted_response_alg", c.AuthorizationEncryptedResponseAlg},
		{"authorization_encrypted_response_enc", c.AuthorizationEncryptedResponseEnc},
		{"id_token_signed_response_alg", c.IDTokenSignedResponseAlg},
		{"id_token_encrypted_response_alg", c.IDTokenEncryptedResponseAlg},
		{"id_token_encrypted_response_enc", c.IDTokenEncryptedResponseEnc},
		{"tls_client_certificate_bound_access_tokens", c.TLSClientCertificateBoundAccessTokens},
		{"security_profile", c.SecurityProfile},
		{"require_signed_request_object", c.RequireSignedRequestObject},
		{"tls_client_auth_trust_anchors", c.TLSClientAuthTrustAnchors},
		{"dpop_bound_access_tokens", c.DPoPBoundAccessTokens},
		{"backchannel_logout_uri", c.BackchannelLogoutURI},
		{"backchannel_logout_session_required", c.BackchannelLogoutSessionRequired},
	}
}

func scanConnected(s scanner) (store.ConnectedApp, error) {
	var (
		c                  store.ConnectedApp
		redirects, logouts sql.NullString
		origins            sql.NullString
		created, updated   int64
		jwks               sql.NullString
		m                  = &c.ClientMetadata
	)
	if err := s.Scan(&c.ClientID, &c.ProjectID, &c.Name, &c.Description, &c.Type, &c.Status,
		&redirects, &logouts, &origins, &c.LogoURL, &c.FullAccessAllowed, &c.BypassConsentForOfflineAccess,
		&c.AccessTokenExpiryMinutes, &c.AccessTokenCustomAudience, &c.AccessTokenTemplate, &c.IDTokenTemplate,
		&c.SecretHash, &c.SecretLastFour, &c.NextSecretHash, &c.NextSecretLastFour, &created, &updated,
		&jwks, &m.JWKSURI, &m.TokenEndpointAuthMethod, &m.TLSClientAuthSubjectDN, &m.TLSClientAuthSANDNS,
		&m.TLSClientAuthSANURI, &m.TLSClientAuthSANIP, &m.TLSClientAuthSANEmail,
		&m.RequirePAR, &m.RequestObjectSigningAlg, &m.AuthorizationSignedResponseAlg,
		&m.AuthorizationEncryptedResponseAlg, &m.AuthorizationEncryptedResponseEnc, &m.IDTokenSignedResponseAlg,
		&m.IDTokenEncryptedResponseAlg, &m.IDTokenEncryptedResponseEnc, &m.TLSClientCertificateBoundAccessTokens,
		&m.SecurityProfile, &m.RequireSignedRequestObject, &m.TLSClientAuthTrustAnchors, &m.DPoPBoundAccessTokens,
		&m.BackchannelLogoutURI, &m.BackchannelLogoutSessionRequired); err != nil {
		return store.ConnectedApp{}, err
	}
	var err error
	if c.RedirectURLs, err = fromListText(redirects); err != nil {
		return store.ConnectedApp{}, err
	}
	if c.PostLogoutRedirectURLs, err = fromListText(logouts); err != nil {
		return store.ConnectedApp{}, err
	}
	if c.OriginURLs, err = fromListText(origins); err != nil {
		return store.ConnectedApp{}, err
	}
	m.JWKS = fromJSONText(jwks)
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return c, nil
}
