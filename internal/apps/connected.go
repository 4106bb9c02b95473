package apps

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// ConnectedStore is what the Connected Apps client API reads and writes.
type ConnectedStore interface {
	CreateConnectedApp(ctx context.Context, c store.ConnectedApp) error
	ConnectedApp(ctx context.Context, projectID, clientID string) (store.ConnectedApp, error)
	UpdateConnectedApp(ctx context.Context, projectID, clientID string, fn func(*store.ConnectedApp) error) (store.ConnectedApp, error)
	DeleteConnectedApp(ctx context.Context, projectID, clientID string) error
	SearchConnectedApps(ctx context.Context, projectID string, p store.Page) (store.ConnectedAppResult, error)
}

// Connected serves the Connected Apps client management API (Stytch API
// §5.4): OAuth 2.0 / OpenID Connect clients of Signet's authorization
// endpoint.
//
//	POST   /v1/connected_apps/clients                                  create
//	GET    /v1/connected_apps/clients/{client_id}                      get
//	PUT    /v1/connected_apps/clients/{client_id}                      update
//	DELETE /v1/connected_apps/clients/{client_id}                      delete (with consents, grants, codes, tokens)
//	POST   /v1/connected_apps/clients/search                           cursor-paginated listing
//	POST   /v1/connected_apps/clients/{client_id}/secrets/rotate/start start a two-phase secret rotation
//	POST   /v1/connected_apps/clients/{client_id}/secrets/rotate/cancel drop the pending secret
//	POST   /v1/connected_apps/clients/{client_id}/secrets/rotate       promote the pending secret
type Connected struct {
	Auth   *projects.Auth
	Store  ConnectedStore
	Cache  Forgetter // told about every change (ConnectedClients is one)
	Pepper secrets.Pepper
	Now    func() time.Time // default time.Now
	// Keys, if set, makes the project's key for each signing algorithm a
	// client registers (JARM, ID tokens) when it registers, not at the
	// first signature: the key is then published, and in the cached JWKS
	// relying parties fetch, well before anything is signed with it.
	Keys KeyMaker
	// Audit records creations, deletions and secret rotations (nil: none).
	Audit *audit.Log
}

// KeyMaker makes a project's signing key for an algorithm if it has none
// (*keys.Manager).
type KeyMaker interface {
	EnsureKey(ctx context.Context, projectID, alg string) error
}

// ensureKeys makes the keys c's registered signing algorithms need.
func (h *Connected) ensureKeys(ctx context.Context, c store.ConnectedApp) error {
	if err := ensureKeys(ctx, h.Keys, c); err != nil {
		return api.Internal(err)
	}
	return nil
}

// ensureKeys makes with km (if not nil) the keys c's registered signing
// algorithms need.
func ensureKeys(ctx context.Context, km KeyMaker, c store.ConnectedApp) error {
	if km == nil {
		return nil
	}
	for _, alg := range []string{c.AuthorizationSignedResponseAlg, c.IDTokenSignedResponseAlg} {
		if alg == "" {
			continue
		}
		if err := km.EnsureKey(ctx, c.ProjectID, alg); err != nil {
			return err
		}
	}
	return nil
}

// Mount registers the routes on mux behind project authentication.
func (h *Connected) Mount(mux api.Router) {
	if h.Now == nil {
		h.Now = time.Now
	}
	auth := h.Auth
	const base = "/v1/connected_apps/clients"
	mux.Handle("POST "+base, auth.Wrap(h.create))
	mux.Handle("POST "+base+"/search", auth.Wrap(h.search))
	mux.Handle("GET "+base+"/{client_id}", auth.Wrap(h.get))
	mux.Handle("PUT "+base+"/{client_id}", auth.Wrap(h.update))
	mux.Handle("DELETE "+base+"/{client_id}", auth.Wrap(h.delete))
	mux.Handle("POST "+base+"/{client_id}/secrets/rotate/start", auth.Wrap(h.rotateStart))
	mux.Handle("POST "+base+"/{client_id}/secrets/rotate/cancel", auth.Wrap(h.rotateCancel))
	mux.Handle("POST "+base+"/{client_id}/secrets/rotate", auth.Wrap(h.rotate))
}

// connectedApp is the wire form of a client (Stytch ConnectedApp, plus the
// secret fields of ...WithClientSecret / ...WithNextClientSecret, filled
// only in the one response that reveals them).
type connectedApp struct {
	ClientID                   string   `json:"client_id"`
	ClientSecret               string   `json:"client_secret,omitempty"`
	NextClientSecret           string   `json:"next_client_secret,omitempty"`
	ClientName                 string   `json:"client_name"`
	ClientDescription          string   `json:"client_description"`
	Status                     string   `json:"status"`
	FullAccessAllowed          bool     `json:"full_access_allowed"`
	ClientType                 string   `json:"client_type"`
	RedirectURLs               []string `json:"redirect_urls"`
	AccessTokenExpiryMinutes   int      `json:"access_token_expiry_minutes"`
	AccessTokenTemplateContent string   `json:"access_token_template_content"`
	PostLogoutRedirectURLs     []string `json:"post_logout_redirect_urls"`
	// OriginURLs is a Signet extension: where the account selector may
	// return the browser with the chosen bank (IDPartner's Origin URL);
	// absent unless set, so Stytch clients see their own shape.
	OriginURLs                    []string `json:"origin_urls,omitempty"`
	BypassConsentForOfflineAccess bool     `json:"bypass_consent_for_offline_access"`
	CreationMethod                string   `json:"creation_method"`
	IDTokenTemplateContent        string   `json:"id_token_template_content"`
	ClientSecretLastFour          string   `json:"client_secret_last_four"`
	NextClientSecretLastFour      *string  `json:"next_client_secret_last_four"` // null outside a rotation
	AccessTokenCustomAudience     string   `json:"access_token_custom_audience"`
	LogoURL                       string   `json:"logo_url"`
	ClientIDMetadataURL           string   `json:"client_id_metadata_url"`
	clientMetadataWire
}

// creationMethod is how every client made here was made (Stytch also has
// dashboard-made and dynamically registered clients).
const creationMethod = "api"

func wireConnected(c store.ConnectedApp) connectedApp {
	w := connectedApp{
		ClientID:                      c.ClientID,
		ClientName:                    c.Name,
		ClientDescription:             c.Description,
		Status:                        c.Status,
		FullAccessAllowed:             c.FullAccessAllowed,
		ClientType:                    c.Type,
		RedirectURLs:                  nonNilList(c.RedirectURLs),
		AccessTokenExpiryMinutes:      c.AccessTokenExpiryMinutes,
		AccessTokenTemplateContent:    c.AccessTokenTemplate,
		PostLogoutRedirectURLs:        nonNilList(c.PostLogoutRedirectURLs),
		OriginURLs:                    c.OriginURLs,
		BypassConsentForOfflineAccess: c.BypassConsentForOfflineAccess,
		CreationMethod:                creationMethod,
		IDTokenTemplateContent:        c.IDTokenTemplate,
		ClientSecretLastFour:          c.SecretLastFour,
		AccessTokenCustomAudience:     c.AccessTokenCustomAudience,
		LogoURL:                       c.LogoURL,
		clientMetadataWire:            wireMetadata(c.ClientMetadata),
	}
	if len(c.NextSecretHash) > 0 {
		w.NextClientSecretLastFour = &c.NextSecretLastFour
	}
	return w
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

type connectedResponse struct {
	ConnectedApp connectedApp `json:"connected_app"`
	api.Meta
}

func writeConnected(w http.ResponseWriter, r *http.Request, c connectedApp) {
	if c.ClientSecret != "" || c.NextClientSecret != "" {
		// A body carrying a secret must not sit in any cache (RFC 9111 §5.2.2.5).
		api.WriteNoStore(w, r, http.StatusOK, &connectedResponse{ConnectedApp: c})
		return
	}
	api.Write(w, r, http.StatusOK, &connectedResponse{ConnectedApp: c})
}

// connectedSettings are the fields create and update share. Pointers:
// absent means "leave as is" (update) or "default" (create).
type connectedSettings struct {
	ClientName                    *string   `json:"client_name"`
	ClientDescription             *string   `json:"client_description"`
	RedirectURLs                  *[]string `json:"redirect_urls"`
	FullAccessAllowed             *bool     `json:"full_access_allowed"`
	AccessTokenExpiryMinutes      *int      `json:"access_token_expiry_minutes"`
	AccessTokenCustomAudience     *string   `json:"access_token_custom_audience"`
	AccessTokenTemplateContent    *string   `json:"access_token_template_content"`
	IDTokenTemplateContent        *string   `json:"id_token_template_content"`
	PostLogoutRedirectURLs        *[]string `json:"post_logout_redirect_urls"`
	OriginURLs                    *[]string `json:"origin_urls"`
	LogoURL                       *string   `json:"logo_url"`
	BypassConsentForOfflineAccess *bool     `json:"bypass_consent_for_offline_access"`
	metadataSettings
}

// apply copies the given fields onto c.
func (s connectedSettings) apply(c *store.ConnectedApp) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Name, s.ClientName)
	set(&c.Description, s.ClientDescription)
	set(&c.AccessTokenCustomAudience, s.AccessTokenCustomAudience)
	set(&c.AccessTokenTemplate, s.AccessTokenTemplateContent)
	set(&c.IDTokenTemplate, s.IDTokenTemplateContent)
	set(&c.LogoURL, s.LogoURL)
	if s.RedirectURLs != nil {
		c.RedirectURLs = dedupe(*s.RedirectURLs)
	}
	if s.PostLogoutRedirectURLs != nil {
		c.PostLogoutRedirectURLs = dedupe(*s.PostLogoutRedirectURLs)
	}
	if s.OriginURLs != nil {
		c.OriginURLs = dedupe(*s.OriginURLs)
	}
	if s.FullAccessAllowed != nil {
		c.FullAccessAllowed = *s.FullAccessAllowed
	}
	if s.BypassConsentForOfflineAccess != nil {
		c.BypassConsentForOfflineAccess = *s.BypassConsentForOfflineAccess
	}
	if s.AccessTokenExpiryMinutes != nil {
		c.AccessTokenExpiryMinutes = *s.AccessTokenExpiryMinutes
	}
	s.metadataSettings.apply(&c.ClientMetadata)
}

func dedupe(l []string) []string {
	out := make([]string, 0, len(l))
	for _, s := range l {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

type connectedCreateRequest struct {
	ClientType string `json:"client_type"`
	connectedSettings
}

func (h *Connected) create(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req connectedCreateRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	now := store.Now(h.Now)
	c := store.ConnectedApp{
		ClientID:                 "connected-app-test-" + uuid.NewString(),
		ProjectID:                p.ID,
		Type:                     req.ClientType,
		Status:                   statusActive,
		AccessTokenExpiryMinutes: DefaultAccessTokenExpiryMinutes,
		CreatedAt:                now,
		UpdatedAt:                now,
	}
	req.apply(&c)
	if err := checkConnectedApp(c); err != nil {
		return err
	}
	if err := h.ensureKeys(r.Context(), c); err != nil {
		return err
	}
	var secret string
	if !IsPublic(c) {
		secret = secrets.New("")
		c.SecretHash, c.SecretLastFour = h.Pepper.Hash(secret), secrets.LastFour(secret)
	}
	if err := h.Store.CreateConnectedApp(r.Context(), c); err != nil {
		// The ID is a fresh UUID, so even a duplicate is unexpected.
		return api.Internal(err)
	}
	h.Audit.Record(r.Context(), audit.Event{ProjectID: p.ID, Type: audit.ConnectedAppCreate, Subject: c.ClientID,
		Outcome: audit.Success, Details: map[string]string{"client_type": c.Type}})
	out := wireConnected(c)
	out.ClientSecret = secret
	writeConnected(w, r, out)
	return nil
}

func (h *Connected) get(w http.ResponseWriter, r *http.Request, p store.Project) error {
	c, err := h.Store.ConnectedApp(r.Context(), p.ID, r.PathValue("client_id"))
	if err != nil {
		return connectedStoreErr(err)
	}
	writeConnected(w, r, wireConnected(c))
	return nil
}

func (h *Connected) update(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req connectedSettings
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	now := store.Now(h.Now)
	// The whole record is checked after the change, so a rule that links
	// fields (full_access_allowed only for first-party clients) holds
	// whichever of them the update touches.
	return h.change(w, r, p, func(c *store.ConnectedApp) error {
		req.apply(c)
		c.UpdatedAt = now
		return checkConnectedApp(*c)
	})
}

// change applies fn to the stored client in one transaction, forgets the
// cached copy and answers with the result.
func (h *Connected) change(w http.ResponseWriter, r *http.Request, p store.Project, fn func(*store.ConnectedApp) error) error {
	id := r.PathValue("client_id")
	c, err := h.Store.UpdateConnectedApp(r.Context(), p.ID, id, fn)
	if err != nil {
		return connectedStoreErr(err)
	}
	h.Cache.Forget(id)
	if err := h.ensureKeys(r.Context(), c); err != nil {
		return err
	}
	writeConnected(w, r, wireConnected(c))
	return nil
}

type connectedDeleteResponse struct {
	ClientID string `json:"client_id"`
	api.Meta
}

func (h *Connected) delete(w http.ResponseWriter, r *http.Request, p store.Project) error {
	id := r.PathValue("client_id")
	if err := h.Store.DeleteConnectedApp(r.Context(), p.ID, id); err != nil {
		return connectedStoreErr(err)
	}
	h.Cache.Forget(id)
	h.Audit.Record(r.Context(), audit.Event{ProjectID: p.ID, Type: audit.ConnectedAppDelete, Subject: id, Outcome: audit.Success})
	api.Write(w, r, http.StatusOK, &connectedDeleteResponse{ClientID: id})
	return nil
}

type connectedSearchRequest struct {
	Cursor string `json:"cursor"`
	Limit  int    `json:"limit"`
}

type connectedResultsMetadata struct {
	NextCursor *string `json:"next_cursor"` // null on the last page
}

type connectedSearchResponse struct {
	ConnectedApps   []connectedApp           `json:"connected_apps"`
	ResultsMetadata connectedResultsMetadata `json:"results_metadata"`
	api.Meta
}

// Search page sizes: Stytch's default and maximum for its searches.
const (
	defaultConnectedLimit = 100
	maxConnectedLimit     = 1000
)

// search lists the project's clients, oldest first. There is no query:
// the Stytch call takes only cursor and limit (§5.4).
func (h *Connected) search(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req connectedSearchRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	if req.Limit < 0 || req.Limit > maxConnectedLimit {
		return api.BadRequest("invalid_limit", "limit must be between 1 and %d.", maxConnectedLimit)
	}
	if req.Limit == 0 {
		req.Limit = defaultConnectedLimit
	}
	res, err := h.Store.SearchConnectedApps(r.Context(), p.ID, store.Page{Cursor: req.Cursor, Limit: req.Limit})
	if err != nil {
		if errors.Is(err, store.ErrInvalidCursor) {
			return api.BadRequest("invalid_cursor", "The cursor is not one a previous search returned.")
		}
		return api.Internal(err)
	}
	out := connectedSearchResponse{ConnectedApps: make([]connectedApp, len(res.Apps))}
	for i, c := range res.Apps {
		out.ConnectedApps[i] = wireConnected(c)
	}
	if res.NextCursor != "" {
		out.ResultsMetadata.NextCursor = &res.NextCursor
	}
	api.Write(w, r, http.StatusOK, &out)
	return nil
}

var errConnectedNotFound = api.Errorf(http.StatusNotFound, "connected_app_not_found",
	"No Connected App with that client_id exists in this project.")

// connectedStoreErr maps a store failure to the envelope.
func connectedStoreErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errConnectedNotFound
	}
	var e *api.Error
	if errors.As(err, &e) {
		return e // returned by an update closure
	}
	return api.Internal(err)
}
