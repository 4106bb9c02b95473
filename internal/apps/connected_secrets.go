package apps

import (
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Connected App secrets rotate in two phases like M2M ones (m2m_secrets.go;
// ConnectedClients.Authenticate accepts both secrets in between). Public
// clients have no secret to rotate.

var errPublicNoSecret = api.BadRequest("invalid_client_type",
	"Public clients (first_party_public, third_party_public) have no client secret.")

// rotateStart makes the next secret and shows it, once.
func (h *Connected) rotateStart(w http.ResponseWriter, r *http.Request, p store.Project) error {
	next := secrets.New("")
	now := store.Now(h.Now)
	id := r.PathValue("client_id")
	c, err := h.Store.UpdateConnectedApp(r.Context(), p.ID, id, func(c *store.ConnectedApp) error {
		if IsPublic(*c) {
			return errPublicNoSecret
		}
		c.UpdatedAt = now
		return connectedSecrets(c).start(h.Pepper, next)
	})
	if err != nil {
		return connectedStoreErr(err)
	}
	h.Cache.Forget(id)
	recordRotation(r, h.Audit, p, audit.ConnectedAppSecretRotate, "start")
	out := wireConnected(c)
	out.NextClientSecret = next
	writeConnected(w, r, out)
	return nil
}

// rotateCancel drops the next secret.
func (h *Connected) rotateCancel(w http.ResponseWriter, r *http.Request, p store.Project) error {
	return secretRotated(r, h.Audit, p, audit.ConnectedAppSecretRotate, "cancel", h.rotation(w, r, p, secretPair.cancel))
}

// rotate promotes the next secret; the old one stops working (at once on
// this node, on others when they hear of it and within the cache TTL at
// worst).
func (h *Connected) rotate(w http.ResponseWriter, r *http.Request, p store.Project) error {
	return secretRotated(r, h.Audit, p, audit.ConnectedAppSecretRotate, "complete", h.rotation(w, r, p, secretPair.promote))
}

func (h *Connected) rotation(w http.ResponseWriter, r *http.Request, p store.Project, step func(secretPair) error) error {
	now := store.Now(h.Now)
	return h.change(w, r, p, func(c *store.ConnectedApp) error {
		if IsPublic(*c) {
			return errPublicNoSecret
		}
		c.UpdatedAt = now
		return step(connectedSecrets(c))
	})
}
