package apps

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

// UserAppsStore is what the users' connected-apps routes read and write.
type UserAppsStore interface {
	User(ctx context.Context, projectID, idOrExternalID string) (store.User, error)
	ConnectedApp(ctx context.Context, projectID, clientID string) (store.ConnectedApp, error)
	UserConsents(ctx context.Context, projectID, userID string) ([]store.Consent, error)
	RevokeConsent(ctx context.Context, projectID, userID, clientID string, now time.Time) error
}

// UserApps serves the Connected Apps a user has authorized (Stytch API
// §5.1 users.connected_apps and users.revoke):
//
//	GET  /v1/users/{user_id}/connected_apps                             list, with the scopes granted
//	POST /v1/users/{user_id}/connected_apps/{connected_app_id}/revoke   forget consent, revoke grants and tokens
//
// The patterns are more specific than internal/users' /v1/users/{user_id},
// so both mount on one ServeMux without conflict.
type UserApps struct {
	Auth  *projects.Auth
	Store UserAppsStore
	Now   func() time.Time // default time.Now
}

// Mount registers the routes on mux behind project authentication.
func (h *UserApps) Mount(mux api.Router) {
	if h.Now == nil {
		h.Now = time.Now
	}
	mux.Handle("GET /v1/users/{user_id}/connected_apps", h.Auth.Wrap(h.list))
	mux.Handle("POST /v1/users/{user_id}/connected_apps/{connected_app_id}/revoke", h.Auth.Wrap(h.revoke))
}

type userConnectedApp struct {
	ConnectedAppID string `json:"connected_app_id"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	ClientType     string `json:"client_type"`
	ScopesGranted  string `json:"scopes_granted"` // space-separated (RFC 6749 §3.3)
	LogoURL        string `json:"logo_url"`
}

type userAppsResponse struct {
	ConnectedApps []userConnectedApp `json:"connected_apps"`
	api.Meta
}

var errUserNotFound = api.Errorf(http.StatusNotFound, "user_not_found", "User could not be found.")

func (h *UserApps) user(ctx context.Context, projectID, id string) (store.User, error) {
	u, err := h.Store.User(ctx, projectID, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return u, errUserNotFound
	case err != nil:
		return u, api.Internal(err)
	}
	return u, nil
}

// list answers with every client the user has consented to, oldest
// consent first.
func (h *UserApps) list(w http.ResponseWriter, r *http.Request, p store.Project) error {
	u, err := h.user(r.Context(), p.ID, r.PathValue("user_id"))
	if err != nil {
		return err
	}
	consents, err := h.Store.UserConsents(r.Context(), p.ID, u.ID)
	if err != nil {
		return api.Internal(err)
	}
	out := userAppsResponse{ConnectedApps: make([]userConnectedApp, 0, len(consents))}
	for _, c := range consents {
		app, err := h.Store.ConnectedApp(r.Context(), p.ID, c.ClientID)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile (deletion takes its consents along)
		} else if err != nil {
			return api.Internal(err)
		}
		out.ConnectedApps = append(out.ConnectedApps, userConnectedApp{
			ConnectedAppID: app.ClientID,
			Name:           app.Name,
			Description:    app.Description,
			ClientType:     app.Type,
			ScopesGranted:  strings.Join(c.Scopes, " "),
			LogoURL:        app.LogoURL,
		})
	}
	api.Write(w, r, http.StatusOK, &out)
	return nil
}

type userAppsRevokeResponse struct{ api.Meta }

// revoke deletes the user's consent to the client and revokes every grant
// it issued, with their refresh and access tokens. Revoking what was never
// granted (or was already revoked) succeeds: the end state is the same.
func (h *UserApps) revoke(w http.ResponseWriter, r *http.Request, p store.Project) error {
	u, err := h.user(r.Context(), p.ID, r.PathValue("user_id"))
	if err != nil {
		return err
	}
	appID := r.PathValue("connected_app_id")
	if _, err := h.Store.ConnectedApp(r.Context(), p.ID, appID); err != nil {
		return connectedStoreErr(err)
	}
	err = h.Store.RevokeConsent(r.Context(), p.ID, u.ID, appID, store.Now(h.Now))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return api.Internal(err)
	}
	api.Write(w, r, http.StatusOK, &userAppsRevokeResponse{})
	return nil
}
