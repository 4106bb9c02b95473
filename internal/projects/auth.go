package projects

import (
	"context"
	"crypto/hmac"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// ProjectStore is what project authentication reads.
type ProjectStore interface {
	Project(ctx context.Context, id string) (store.Project, error)
}

// Auth authenticates management calls with HTTP Basic
// project_id:secret (Stytch API §2.2). Projects are cached for a short TTL
// so the hot path does not read the database on every call.
type Auth struct {
	store  ProjectStore
	pepper secrets.Pepper
	ttl    time.Duration
	now    func() time.Time
	cache  sync.Map // project ID -> cachedProject
}

type cachedProject struct {
	p       store.Project
	fetched time.Time
}

// NewAuth returns an authenticator caching projects for ttl.
func NewAuth(st ProjectStore, pepper secrets.Pepper, ttl time.Duration) *Auth {
	return &Auth{store: st, pepper: pepper, ttl: ttl, now: time.Now}
}

// HandlerFunc is a management handler: it runs for an authenticated project
// and returns an error for api.WriteError to send.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, p store.Project) error

// Wrap authenticates the caller, checks the query is text, then runs h.
func (a *Auth) Wrap(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.authenticate(r)
		if err == nil {
			api.NoteProject(r.Context(), p.ID)
			err = api.CheckQuery(r)
		}
		if err == nil {
			err = h(w, r, p)
		}
		if err != nil {
			api.WriteError(w, r, err)
		}
	})
}

func (a *Auth) authenticate(r *http.Request) (store.Project, error) {
	id, secret, ok := r.BasicAuth()
	// Credentials that are not text are as wrong as any other, and must
	// not reach the store (see api.ValidText).
	if !ok || id == "" || secret == "" || !api.ValidText(id) || !api.ValidText(secret) {
		return store.Project{}, api.ErrUnauthorized
	}
	p, err := a.project(r.Context(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Project{}, api.Internal(err)
	}
	if err != nil {
		// Unknown project: spend the same HMAC as a known one so timing does
		// not reveal which project IDs exist.
		a.pepper.Equal(make([]byte, 32), secret)
		return store.Project{}, api.ErrUnauthorized
	}
	// During a two-phase rotation (internal/projects) the next secret
	// works too. One hash, two constant-time comparisons, whether or not
	// a rotation is under way (hmac.Equal is false for a nil hash).
	h := a.pepper.Hash(secret)
	if !hmac.Equal(h, p.SecretHash) && !hmac.Equal(h, p.NextSecretHash) {
		return store.Project{}, api.ErrUnauthorized
	}
	// A known caller on a route of the other vertical is told so
	// (vertical.go).
	return p, checkVertical(r, p)
}

func (a *Auth) project(ctx context.Context, id string) (store.Project, error) {
	now := a.now()
	if c, ok := a.cache.Load(id); ok && now.Sub(c.(cachedProject).fetched) < a.ttl {
		return c.(cachedProject).p, nil
	}
	p, err := a.store.Project(ctx, id)
	if err != nil {
		return store.Project{}, err
	}
	a.cache.Store(id, cachedProject{p: p, fetched: now})
	return p, nil
}

// Forget drops a cached project (after its settings change); "" drops
// every project.
func (a *Auth) Forget(id string) {
	if id == "" {
		a.cache.Clear()
		return
	}
	a.cache.Delete(id)
}
