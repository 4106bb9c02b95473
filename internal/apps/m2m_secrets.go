package apps

import (
	"net/http"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Secret rotation is two-phase (Stytch API §5.5): start makes a next secret
// that authenticates alongside the current one; rotate promotes it (the old
// one stops working), cancel drops it. There is no one-step rotation, so a
// fleet of workers can move to the new secret before the old one dies.

var errNoRotation = api.BadRequest("no_secret_rotation_in_progress",
	"This client has no secret rotation in progress; call secrets/rotate/start first.")

// rotateStart makes the next secret and shows it, once. A rotation already
// in progress is refused rather than replaced: its secret may already be
// deployed. Cancel it first to get a new one.
func (h *M2M) rotateStart(w http.ResponseWriter, r *http.Request, p store.Project) error {
	next := secrets.New("")
	now := h.Now().UTC().Truncate(time.Microsecond)
	id := r.PathValue("client_id")
	c, err := h.Store.UpdateM2MClient(r.Context(), p.ID, id, func(c *store.M2MClient) error {
		if len(c.NextSecretHash) > 0 {
			return api.BadRequest("secret_rotation_in_progress",
				"A secret rotation is already in progress; finish it with secrets/rotate or drop it with secrets/rotate/cancel.")
		}
		c.NextSecretHash = h.Pepper.Hash(next)
		c.NextSecretLastFour = secrets.LastFour(next)
		c.UpdatedAt = now
		return nil
	})
	if err != nil {
		return storeErr(err)
	}
	h.Cache.Forget(id)
	out := wireClient(c)
	out.NextClientSecret = next
	writeClient(w, r, out)
	return nil
}

// rotateCancel drops the next secret; the current one stays.
func (h *M2M) rotateCancel(w http.ResponseWriter, r *http.Request, p store.Project) error {
	now := h.Now().UTC().Truncate(time.Microsecond)
	return h.change(w, r, p, func(c *store.M2MClient) error {
		if len(c.NextSecretHash) == 0 {
			return errNoRotation
		}
		c.NextSecretHash, c.NextSecretLastFour = nil, ""
		c.UpdatedAt = now
		return nil
	})
}

// rotate promotes the next secret to current; the old one stops working
// (at once on this node, within the cache TTL on others).
func (h *M2M) rotate(w http.ResponseWriter, r *http.Request, p store.Project) error {
	now := h.Now().UTC().Truncate(time.Microsecond)
	return h.change(w, r, p, func(c *store.M2MClient) error {
		if len(c.NextSecretHash) == 0 {
			return errNoRotation
		}
		c.SecretHash, c.SecretLastFour = c.NextSecretHash, c.NextSecretLastFour
		c.NextSecretHash, c.NextSecretLastFour = nil, ""
		c.UpdatedAt = now
		return nil
	})
}
