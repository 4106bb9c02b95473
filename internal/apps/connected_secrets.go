package apps

import (
	"net/http"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Connected App secret rotation is two-phase, like the M2M one (Stytch API
// §5.4): start makes a next secret that authenticates alongside the current
// one (ConnectedClients.Authenticate accepts both); rotate promotes it and
// the old one stops working; cancel drops it. Public clients have no secret
// to rotate.

var (
	errConnectedNoRotation = api.BadRequest("no_secret_rotation_in_progress",
		"This client has no secret rotation in progress; call secrets/rotate/start first.")
	errPublicNoSecret = api.BadRequest("invalid_client_type",
		"Public clients (first_party_public, third_party_public) have no client secret.")
)

// rotateStart makes the next secret and shows it, once. A rotation already
// in progress is refused rather than replaced: its secret may already be
// deployed.
func (h *Connected) rotateStart(w http.ResponseWriter, r *http.Request, p store.Project) error {
	next := secrets.New("")
	now := h.Now().UTC().Truncate(time.Microsecond)
	id := r.PathValue("client_id")
	c, err := h.Store.UpdateConnectedApp(r.Context(), p.ID, id, func(c *store.ConnectedApp) error {
		if IsPublic(*c) {
			return errPublicNoSecret
		}
		if len(c.NextSecretHash) > 0 {
			return api.BadRequest("secret_rotation_in_progress",
				"A secret rotation is already in progress; finish it with secrets/rotate or drop it with secrets/rotate/cancel.")
		}
		c.NextSecretHash, c.NextSecretLastFour = h.Pepper.Hash(next), secrets.LastFour(next)
		c.UpdatedAt = now
		return nil
	})
	if err != nil {
		return connectedStoreErr(err)
	}
	h.Cache.Forget(id)
	out := wireConnected(c)
	out.NextClientSecret = next
	writeConnected(w, r, out)
	return nil
}

// rotateCancel drops the next secret; the current one stays.
func (h *Connected) rotateCancel(w http.ResponseWriter, r *http.Request, p store.Project) error {
	now := h.Now().UTC().Truncate(time.Microsecond)
	return h.change(w, r, p, func(c *store.ConnectedApp) error {
		if IsPublic(*c) {
			return errPublicNoSecret
		}
		if len(c.NextSecretHash) == 0 {
			return errConnectedNoRotation
		}
		c.NextSecretHash, c.NextSecretLastFour = nil, ""
		c.UpdatedAt = now
		return nil
	})
}

// rotate promotes the next secret to current; the old one stops working
// (at once on this node, within the cache TTL on others).
func (h *Connected) rotate(w http.ResponseWriter, r *http.Request, p store.Project) error {
	now := h.Now().UTC().Truncate(time.Microsecond)
	return h.change(w, r, p, func(c *store.ConnectedApp) error {
		if IsPublic(*c) {
			return errPublicNoSecret
		}
		if len(c.NextSecretHash) == 0 {
			return errConnectedNoRotation
		}
		c.SecretHash, c.SecretLastFour = c.NextSecretHash, c.NextSecretLastFour
		c.NextSecretHash, c.NextSecretLastFour = nil, ""
		c.UpdatedAt = now
		return nil
	})
}
