package projects

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Each route serves the vertical its path says, for every route of the
// management API as mounted (through a ServeMux, so by pattern).
func TestProjectAuthVertical(t *testing.T) {
	pepper := secrets.NewPepper(bytes.Repeat([]byte{2}, 32))
	secret := secrets.New("secret-test-")
	projects := map[string]store.Project{
		"consumer": {ID: "project-test-consumer", SecretHash: pepper.Hash(secret), Vertical: store.VerticalConsumer},
		"b2b":      {ID: "project-test-b2b", SecretHash: pepper.Hash(secret), Vertical: store.VerticalB2B},
		// Stored before 0014 named verticals: a consumer project.
		"unset": {ID: "project-test-unset", SecretHash: pepper.Hash(secret)},
	}
	st := projectFunc(func(_ context.Context, id string) (store.Project, error) {
		for _, p := range projects {
			if p.ID == id {
				return p, nil
			}
		}
		return store.Project{}, store.ErrNotFound
	})
	auth := NewAuth(st, pepper, time.Minute)
	ok := func(w http.ResponseWriter, r *http.Request, p store.Project) error {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	mux := http.NewServeMux()
	routes := []struct {
		pattern, path string
		vertical      string // "" for both
	}{
		{"POST /v1/users", "/v1/users", store.VerticalConsumer},
		{"GET /v1/users/{user_id}", "/v1/users/user-test-1", store.VerticalConsumer},
		{"POST /v1/passwords/authenticate", "/v1/passwords/authenticate", store.VerticalConsumer},
		{"GET /v1/sessions", "/v1/sessions", store.VerticalConsumer},
		{"POST /v1/idp/oauth/authorize", "/v1/idp/oauth/authorize", store.VerticalConsumer},
		{"POST /v1/bank_verifications/start", "/v1/bank_verifications/start", store.VerticalConsumer},
		{"POST /v1/b2b/organizations", "/v1/b2b/organizations", store.VerticalB2B},
		{"GET /v1/b2b/organizations/{organization_id}/member", "/v1/b2b/organizations/org/member", store.VerticalB2B},
		{"POST /v1/m2m/clients", "/v1/m2m/clients", ""},
		{"POST /v1/connected_apps/clients/search", "/v1/connected_apps/clients/search", ""},
		{"GET /v1/banks", "/v1/banks", ""},
		{"GET /v1/banks/{bank_id}", "/v1/banks/bank-1", ""},
	}
	for _, rt := range routes {
		mux.Handle(rt.pattern, auth.Wrap(ok))
	}
	for _, rt := range routes {
		for name, p := range projects {
			vertical := p.Vertical
			if vertical == "" {
				vertical = store.VerticalConsumer
			}
			t.Run(name+" "+rt.pattern, func(t *testing.T) {
				method, _, _ := bytes.Cut([]byte(rt.pattern), []byte(" "))
				req := api.WithRequestID(httptest.NewRequest(string(method), rt.path, nil))
				req.SetBasicAuth(p.ID, secret)
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				switch rt.vertical {
				case "", vertical:
					if rec.Code != http.StatusNoContent {
						t.Fatalf("status = %d (%s), want the route to run", rec.Code, rec.Body)
					}
				default:
					want := "invalid_b2b_endpoint"
					if rt.vertical == store.VerticalConsumer {
						want = "invalid_consumer_endpoint"
					}
					if rec.Code != http.StatusBadRequest {
						t.Fatalf("status = %d, want 400", rec.Code)
					}
					if e := decodeEnvelope(t, rec); e.ErrorType != want {
						t.Errorf("error_type = %q, want %q", e.ErrorType, want)
					}
				}
			})
		}
	}
	// The check follows authentication: a wrong secret is 401 whatever
	// the route.
	req := api.WithRequestID(httptest.NewRequest("POST", "/v1/b2b/organizations", nil))
	req.SetBasicAuth(projects["consumer"].ID, secret+"x")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("wrong secret on a B2B route: status %d, want 401", rec.Code)
	}
}
