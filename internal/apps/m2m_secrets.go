package apps

import (
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Secret rotation is two-phase (Stytch API §5.4, §5.5): start makes a next
// secret that authenticates alongside the current one; rotate promotes it
// (the old one stops working), cancel drops it. There is no one-step
// rotation, so a fleet of workers can move to the new secret before the old
// one dies. M2M clients and Connected Apps share the rules through
// secretPair.

var (
	errNoRotation = api.BadRequest("no_secret_rotation_in_progress",
		"This client has no secret rotation in progress; call secrets/rotate/start first.")
	errRotationInProgress = api.BadRequest("secret_rotation_in_progress",
		"A secret rotation is already in progress; finish it with secrets/rotate or drop it with secrets/rotate/cancel.")
)

// secretPair points at a client record's current and next secret fields.
type secretPair struct {
	hash, nextHash *[]byte
	last, nextLast *string
}

func m2mSecrets(c *store.M2MClient) secretPair {
	return secretPair{&c.SecretHash, &c.NextSecretHash, &c.SecretLastFour, &c.NextSecretLastFour}
}

func connectedSecrets(c *store.ConnectedApp) secretPair {
	return secretPair{&c.SecretHash, &c.NextSecretHash, &c.SecretLastFour, &c.NextSecretLastFour}
}

// start records next as the next secret. A rotation already in progress is
// refused rather than replaced: its secret may already be deployed.
func (s secretPair) start(pepper secrets.Pepper, next string) error {
	if len(*s.nextHash) > 0 {
		return errRotationInProgress
	}
	*s.nextHash, *s.nextLast = pepper.Hash(next), secrets.LastFour(next)
	return nil
}

// cancel drops the next secret; the current one stays.
func (s secretPair) cancel() error {
	if len(*s.nextHash) == 0 {
		return errNoRotation
	}
	*s.nextHash, *s.nextLast = nil, ""
	return nil
}

// promote makes the next secret the current one.
func (s secretPair) promote() error {
	if len(*s.nextHash) == 0 {
		return errNoRotation
	}
	*s.hash, *s.last = *s.nextHash, *s.nextLast
	*s.nextHash, *s.nextLast = nil, ""
	return nil
}

// rotateStart makes the next secret and shows it, once.
func (h *M2M) rotateStart(w http.ResponseWriter, r *http.Request, p store.Project) error {
	next := secrets.New("")
	now := store.Now(h.Now)
	id := r.PathValue("client_id")
	c, err := h.Store.UpdateM2MClient(r.Context(), p.ID, id, func(c *store.M2MClient) error {
		c.UpdatedAt = now
		return m2mSecrets(c).start(h.Pepper, next)
	})
	if err != nil {
		return storeErr(err)
	}
	h.Cache.Forget(id)
	recordRotation(r, h.Audit, p, audit.M2MClientSecretRotate, "start")
	out := wireClient(c)
	out.NextClientSecret = next
	writeClient(w, r, out)
	return nil
}

// rotateCancel drops the next secret.
func (h *M2M) rotateCancel(w http.ResponseWriter, r *http.Request, p store.Project) error {
	return secretRotated(r, h.Audit, p, audit.M2MClientSecretRotate, "cancel", h.rotation(w, r, p, secretPair.cancel))
}

// rotate promotes the next secret; the old one stops working (at once on
// this node, on others when they hear of it and within the cache TTL at
// worst).
func (h *M2M) rotate(w http.ResponseWriter, r *http.Request, p store.Project) error {
	return secretRotated(r, h.Audit, p, audit.M2MClientSecretRotate, "complete", h.rotation(w, r, p, secretPair.promote))
}

// secretRotated records a rotation step of the client the route names,
// unless err says the step failed; it returns err.
func secretRotated(r *http.Request, log *audit.Log, p store.Project, typ, step string, err error) error {
	if err == nil {
		recordRotation(r, log, p, typ, step)
	}
	return err
}

// recordRotation records a rotation step of the client the route names.
func recordRotation(r *http.Request, log *audit.Log, p store.Project, typ, step string) {
	log.Record(r.Context(), audit.Event{ProjectID: p.ID, Type: typ, Subject: r.PathValue("client_id"),
		Outcome: audit.Success, Details: map[string]string{"step": step}})
}

func (h *M2M) rotation(w http.ResponseWriter, r *http.Request, p store.Project, step func(secretPair) error) error {
	now := store.Now(h.Now)
	return h.change(w, r, p, func(c *store.M2MClient) error {
		c.UpdatedAt = now
		return step(m2mSecrets(c))
	})
}
