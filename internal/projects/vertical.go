package projects

import (
	"net/http"
	"strings"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// A project serves one of Stytch's two verticals (store.Project.Vertical),
// and so does a management route. The route's vertical is in its path, as
// Stytch lays its API out:
//
//   - /v1/b2b/... serves B2B projects (organizations, members, B2B
//     sessions, the B2B consent API);
//   - the routes both verticals share: M2M clients (Stytch's B2B SDK
//     calls /v1/m2m/... too), Connected Apps clients, Signet's bank
//     registry, a project setting, and its audit log;
//   - everything else serves consumer projects (users, passwords,
//     sessions, the consumer consent API, bank verifications of users).
//
// A route of the other vertical answers 400 with Stytch's error types:
// invalid_b2b_endpoint when a consumer project calls a B2B route,
// invalid_consumer_endpoint when a B2B project calls a consumer route
// (stytch-api.md §2.4; the types of Stytch's SDK error lists). Stytch does
// not document the status; 400 is what its API is seen to send, and a
// request that can never succeed for this project is the caller's error.
//
// The rule is here, in project authentication, rather than in each
// handler, so that a new route is checked the day it is added: consumer
// unless its path says otherwise.

// sharedRoutes are the path prefixes that serve both verticals.
var sharedRoutes = []string{"/v1/m2m/", "/v1/connected_apps/", "/v1/banks/"}

// routeVertical is the vertical the route of r serves, or "" for both.
func routeVertical(r *http.Request) string {
	path := r.URL.Path
	if _, p, ok := strings.Cut(r.Pattern, " "); ok {
		path = p // the route, rather than this request's path
	}
	switch {
	case strings.HasPrefix(path, "/v1/b2b/"):
		return store.VerticalB2B
	case path == "/v1/banks", path == "/v1/audit_events":
		return ""
	}
	for _, prefix := range sharedRoutes {
		if strings.HasPrefix(path, prefix) {
			return ""
		}
	}
	return store.VerticalConsumer
}

// checkVertical refuses a route of the other vertical than p's.
func checkVertical(r *http.Request, p store.Project) error {
	want := routeVertical(r)
	vertical := p.Vertical
	if vertical == "" {
		vertical = store.VerticalConsumer
	}
	switch want {
	case "", vertical:
		return nil
	case store.VerticalB2B:
		return api.BadRequest("invalid_b2b_endpoint",
			"This is a B2B endpoint, and project %s is a consumer project: use the consumer endpoints (/v1/users, /v1/sessions, ...).", p.ID)
	}
	return api.BadRequest("invalid_consumer_endpoint",
		"This is a consumer endpoint, and project %s is a B2B project: use the B2B endpoints (/v1/b2b/organizations, /v1/b2b/sessions, ...).", p.ID)
}
