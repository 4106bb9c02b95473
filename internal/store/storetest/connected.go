package storetest

import (
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// newApp is a confidential third-party client with every field set.
func newApp(projectID string, created time.Time) store.ConnectedApp {
	return store.ConnectedApp{
		ClientID:                      newID("connected-app"),
		ProjectID:                     projectID,
		Name:                          "Notes",
		Description:                   "Takes notes",
		Type:                          "third_party",
		Status:                        "active",
		RedirectURLs:                  []string{"https://notes.example/callback", "http://localhost:8080/cb"},
		PostLogoutRedirectURLs:        []string{"https://notes.example/bye"},
		LogoURL:                       "https://notes.example/logo.png",
		FullAccessAllowed:             true,
		BypassConsentForOfflineAccess: true,
		AccessTokenExpiryMinutes:      60,
		AccessTokenCustomAudience:     "https://api.notes.example",
		AccessTokenTemplate:           `{"tier":"{{ user.trusted_metadata.tier }}"}`,
		IDTokenTemplate:               `{"nickname":"{{ user.name.first_name }}"}`,
		SecretHash:                    []byte("hmac-of-secret"),
		SecretLastFour:                "wxyz",
		ClientMetadata: store.ClientMetadata{
			JWKS:                                  json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"k1"}]}`),
			JWKSURI:                               "",
			TokenEndpointAuthMethod:               "tls_client_auth",
			TLSClientAuthSubjectDN:                "CN=notes,O=Notes Inc",
			TLSClientAuthSANDNS:                   "notes.example",
			TLSClientAuthSANURI:                   "https://notes.example",
			TLSClientAuthSANIP:                    "192.0.2.1",
			TLSClientAuthSANEmail:                 "ops@notes.example",
			RequirePAR:                            true,
			RequestObjectSigningAlg:               "PS256",
			AuthorizationSignedResponseAlg:        "PS256",
			AuthorizationEncryptedResponseAlg:     "RSA-OAEP",
			AuthorizationEncryptedResponseEnc:     "A256CBC-HS512",
			IDTokenSignedResponseAlg:              "PS256",
			IDTokenEncryptedResponseAlg:           "RSA-OAEP",
			IDTokenEncryptedResponseEnc:           "A256CBC-HS512",
			TLSClientCertificateBoundAccessTokens: true,
			SecurityProfile:                       "fapi2_message_signing",
			RequireSignedRequestObject:            true,
			DPoPBoundAccessTokens:                 true,
			TLSClientAuthTrustAnchors:             "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
			BackchannelLogoutURI:                  "https://notes.example/backchannel",
			BackchannelLogoutSessionRequired:      true,
		},
		CreatedAt: created,
		UpdatedAt: created,
	}
}

func createApp(t *testing.T, s store.Store, c store.ConnectedApp) store.ConnectedApp {
	t.Helper()
	must(t, s.CreateConnectedApp(ctx(t), c))
	return c
}

// authz is a project with a user and a client for that user to authorize.
type authz struct {
	p   store.Project
	u   store.User
	app store.ConnectedApp
}

func newAuthz(t *testing.T, s store.Store) authz {
	t.Helper()
	p := newProject(t, s)
	return authz{p: p, u: createUser(t, s, newUser(p.ID)), app: createApp(t, s, newApp(p.ID, now()))}
}

// code is an authorization code with every field set, live for ten minutes
// from t0.
func (a authz) code(t0 time.Time) store.AuthCode {
	return store.AuthCode{
		Hash:          []byte(rand.Text()),
		ProjectID:     a.p.ID,
		ClientID:      a.app.ClientID,
		UserID:        a.u.ID,
		SessionID:     newID("session"),
		RedirectURI:   a.app.RedirectURLs[0],
		Scopes:        []string{"openid", "email", "offline_access"},
		Nonce:         "n-0S6_WzA2Mj",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM",
		AuthTime:      t0.Add(-time.Minute),
		Claims:        json.RawMessage(`{"id_token":{"acr":{"essential":true}}}`),
		ACR:           "urn:signet:acr:password",
		DPoPJKT:       "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
		CreatedAt:     t0,
		ExpiresAt:     t0.Add(10 * time.Minute),
	}
}

// grantFor is the grant a redemption of c at t0 issues, live for ttl.
func grantFor(c store.AuthCode, t0 time.Time, ttl time.Duration) store.Grant {
	return store.Grant{
		ID:        newID("grant"),
		ProjectID: c.ProjectID,
		ClientID:  c.ClientID,
		UserID:    c.UserID,
		Scopes:    c.Scopes,
		SessionID: c.SessionID,
		AuthTime:  c.AuthTime,
		ACR:       c.ACR,
		DPoPJKT:   "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
		CreatedAt: t0,
		ExpiresAt: t0.Add(ttl),
	}
}

// grant issues a grant the only way there is: through a redeemed code.
func (a authz) grant(t *testing.T, s store.Store, t0 time.Time, ttl time.Duration) store.Grant {
	t.Helper()
	c := a.code(t0)
	must(t, s.CreateAuthCode(ctx(t), c, nil))
	g, err := s.RedeemAuthCode(ctx(t), c.Hash, t0, func(c store.AuthCode) (store.Grant, error) {
		return grantFor(c, t0, ttl), nil
	})
	must(t, err)
	return g
}

// newToken is a refresh token of g, live for ttl from t0.
func newToken(g store.Grant, t0 time.Time, ttl time.Duration) store.RefreshToken {
	return store.RefreshToken{Hash: []byte(rand.Text()), GrantID: g.ID, ProjectID: g.ProjectID,
		CreatedAt: t0, ExpiresAt: t0.Add(ttl)}
}

// token stores the first refresh token of g.
func token(t *testing.T, s store.Store, g store.Grant, t0 time.Time, ttl time.Duration) store.RefreshToken {
	t.Helper()
	rt := newToken(g, t0, ttl)
	must(t, s.CreateRefreshToken(ctx(t), rt))
	return rt
}

var connectedTests = []test{
	{"CreateAndGet", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := createApp(t, s, newApp(p.ID, now()))
		for _, projectID := range []string{p.ID, ""} { // "" is any project
			got, err := s.ConnectedApp(ctx(t), projectID, c.ClientID)
			must(t, err)
			equal(t, got, c)
		}
	}},
	{"CreateMinimalPublic", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := createApp(t, s, store.ConnectedApp{ClientID: newID("connected-app"), ProjectID: p.ID,
			Type: "first_party_public", Status: "active", CreatedAt: now(), UpdatedAt: now()})
		got, err := s.ConnectedApp(ctx(t), p.ID, c.ClientID)
		must(t, err)
		equal(t, got, c) // no secret, no lists: nil, as written
	}},
	{"NotFound", func(t *testing.T, s store.Store) {
		_, err := s.ConnectedApp(ctx(t), "", "connected-app-test-missing")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"DuplicateIDAcrossProjects", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		c := createApp(t, s, newApp(p.ID, now()))
		c.ProjectID = other.ID
		wantDup(t, s.CreateConnectedApp(ctx(t), c), "client_id")
	}},
	{"Update", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := createApp(t, s, newApp(p.ID, now()))
		later := c.UpdatedAt.Add(time.Minute)
		change := func(v *store.ConnectedApp) {
			v.Name, v.Status, v.LogoURL = "Renamed", "inactive", ""
			v.RedirectURLs, v.PostLogoutRedirectURLs = []string{"https://new.example/cb"}, nil
			v.FullAccessAllowed, v.BypassConsentForOfflineAccess = false, false
			v.AccessTokenExpiryMinutes, v.AccessTokenTemplate = 5, ""
			v.NextSecretHash, v.NextSecretLastFour = []byte("next-hmac"), "abcd"
			v.JWKS, v.JWKSURI, v.TokenEndpointAuthMethod = nil, "https://notes.example/jwks", "private_key_jwt"
			v.TLSClientAuthSubjectDN, v.RequirePAR, v.TLSClientCertificateBoundAccessTokens = "", false, false
			v.SecurityProfile, v.RequireSignedRequestObject, v.TLSClientAuthTrustAnchors = "fapi2", false, ""
			v.UpdatedAt = later
		}
		got, err := s.UpdateConnectedApp(ctx(t), p.ID, c.ClientID, func(v *store.ConnectedApp) error {
			change(v)
			// Not fn's to change:
			v.ClientID, v.ProjectID, v.Type, v.CreatedAt = "connected-app-test-other", "project-test-other", "first_party_public", later
			return nil
		})
		must(t, err)
		want := c
		change(&want)
		equal(t, got, want)
		stored, err := s.ConnectedApp(ctx(t), p.ID, c.ClientID)
		must(t, err)
		equal(t, stored, want)
	}},
	{"UpdateAbortsOnError", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := createApp(t, s, newApp(p.ID, now()))
		_, err := s.UpdateConnectedApp(ctx(t), p.ID, c.ClientID, func(v *store.ConnectedApp) error {
			v.Status = "inactive"
			return errAbort
		})
		wantErr(t, err, errAbort)
		stored, err := s.ConnectedApp(ctx(t), p.ID, c.ClientID)
		must(t, err)
		equal(t, stored, c)
	}},
	{"UpdateNotFound", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		_, err := s.UpdateConnectedApp(ctx(t), p.ID, "connected-app-test-missing", func(*store.ConnectedApp) error {
			t.Error("fn called for a missing client")
			return nil
		})
		wantErr(t, err, store.ErrNotFound)
	}},
	{"WrongProject", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		c := createApp(t, s, newApp(p.ID, now()))
		_, err := s.ConnectedApp(ctx(t), other.ID, c.ClientID)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.UpdateConnectedApp(ctx(t), other.ID, c.ClientID, func(*store.ConnectedApp) error { return nil })
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.DeleteConnectedApp(ctx(t), other.ID, c.ClientID), store.ErrNotFound)
		res, err := s.SearchConnectedApps(ctx(t), other.ID, store.Page{})
		must(t, err)
		equal(t, res, store.ConnectedAppResult{})
		got, err := s.ConnectedApp(ctx(t), p.ID, c.ClientID)
		must(t, err)
		equal(t, got, c) // untouched
	}},
	{"DeleteRemovesWhatUsersGranted", func(t *testing.T, s store.Store) {
		a := newAuthz(t, s)
		kept := authz{p: a.p, u: a.u, app: createApp(t, s, newApp(a.p.ID, now()))}
		t0 := now()
		type granted struct {
			g    store.Grant
			tok  store.RefreshToken
			code store.AuthCode
		}
		grantAll := func(a authz) granted {
			must(t, s.SaveConsent(ctx(t), store.Consent{ProjectID: a.p.ID, UserID: a.u.ID, ClientID: a.app.ClientID,
				Scopes: []string{"openid"}, GrantedAt: t0, UpdatedAt: t0}))
			g := a.grant(t, s, t0, time.Hour)
			code := a.code(t0)
			must(t, s.CreateAuthCode(ctx(t), code, nil))
			return granted{g: g, tok: token(t, s, g, t0, time.Hour), code: code}
		}
		gone, stay := grantAll(a), grantAll(kept)

		must(t, s.DeleteConnectedApp(ctx(t), a.p.ID, a.app.ClientID))
		_, err := s.ConnectedApp(ctx(t), "", a.app.ClientID)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.DeleteConnectedApp(ctx(t), a.p.ID, a.app.ClientID), store.ErrNotFound)

		c := ctx(t)
		for _, tc := range []struct {
			name   string
			a      authz
			g      granted
			wantOK bool
		}{{"deleted client", a, gone, false}, {"other client", kept, stay, true}} {
			t.Run(tc.name, func(t *testing.T) {
				for name, err := range map[string]error{
					"Consent":           second(s.Consent(c, tc.a.p.ID, tc.a.u.ID, tc.a.app.ClientID)),
					"Grant":             second(s.Grant(c, tc.a.p.ID, tc.g.g.ID, t0)),
					"RefreshTokenGrant": second(s.RefreshTokenGrant(c, tc.g.tok.Hash, t0)),
					"RedeemAuthCode": second(s.RedeemAuthCode(c, tc.g.code.Hash, t0, func(code store.AuthCode) (store.Grant, error) {
						return grantFor(code, t0, time.Hour), nil
					})),
				} {
					wantFound(t, name, err, tc.wantOK)
				}
			})
		}
	}},
	{"SearchPagination", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		t0 := now()
		var all []store.ConnectedApp
		for i := range 5 {
			// Inserted newest first, so the order is the store's doing.
			all = append([]store.ConnectedApp{createApp(t, s, newApp(p.ID, t0.Add(-time.Duration(i)*time.Second)))}, all...)
		}
		createApp(t, s, newApp(other.ID, t0))
		var got []store.ConnectedApp
		pg := store.Page{Limit: 2}
		for pages := 1; ; pages++ {
			res, err := s.SearchConnectedApps(ctx(t), p.ID, pg)
			must(t, err)
			got = append(got, res.Apps...)
			if res.NextCursor == "" {
				equal(t, pages, 3)
				break
			}
			pg.Cursor = res.NextCursor
		}
		equal(t, got, all)
		_, err := s.SearchConnectedApps(ctx(t), p.ID, store.Page{Cursor: "%%%"})
		wantErr(t, err, store.ErrInvalidCursor)
	}},
}
