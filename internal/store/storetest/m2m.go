package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

func newClient(projectID string, created time.Time, status string, scopes ...string) store.M2MClient {
	return store.M2MClient{
		ClientID:        newID("m2m-client"),
		ProjectID:       projectID,
		Name:            "Billing worker",
		Description:     "Reads invoices",
		Status:          status,
		Scopes:          scopes,
		SecretHash:      []byte("hmac-of-secret"),
		SecretLastFour:  "abcd",
		TrustedMetadata: json.RawMessage(`{"team":"billing"}`),
		CreatedAt:       created,
		UpdatedAt:       created,
	}
}

func createClient(t *testing.T, s store.Store, c store.M2MClient) store.M2MClient {
	t.Helper()
	must(t, s.CreateM2MClient(ctx(t), c))
	return c
}

var m2mTests = []test{
	{"CreateAndGet", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := createClient(t, s, newClient(p.ID, now(), "active", "read:invoices", "write:invoices"))
		for _, projectID := range []string{p.ID, ""} { // "" is any project
			got, err := s.M2MClient(ctx(t), projectID, c.ClientID)
			must(t, err)
			equal(t, got, c)
		}
	}},
	{"WrongProject", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		c := createClient(t, s, newClient(p.ID, now(), "active"))
		_, err := s.M2MClient(ctx(t), other.ID, c.ClientID)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.UpdateM2MClient(ctx(t), other.ID, c.ClientID, func(*store.M2MClient) error { return nil })
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.DeleteM2MClient(ctx(t), other.ID, c.ClientID), store.ErrNotFound)
		res, err := s.SearchM2MClients(ctx(t), other.ID, store.M2MQuery{})
		must(t, err)
		equal(t, res.Total, 0)
	}},
	{"NotFound", func(t *testing.T, s store.Store) {
		_, err := s.M2MClient(ctx(t), "", "m2m-client-test-missing")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"DuplicateIDAcrossProjects", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		c := createClient(t, s, newClient(p.ID, now(), "active"))
		c.ProjectID = other.ID
		wantDup(t, s.CreateM2MClient(ctx(t), c), "client_id")
	}},
	{"Update", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := createClient(t, s, newClient(p.ID, now(), "active", "read:invoices"))
		later := c.UpdatedAt.Add(time.Minute)
		got, err := s.UpdateM2MClient(ctx(t), p.ID, c.ClientID, func(v *store.M2MClient) error {
			v.Name, v.Status, v.Scopes = "Renamed", "inactive", []string{"admin"}
			v.NextSecretHash, v.NextSecretLastFour = []byte("next-hmac"), "wxyz"
			v.UpdatedAt = later
			v.ClientID, v.ProjectID, v.CreatedAt = "m2m-client-test-other", "project-test-other", later
			return nil
		})
		must(t, err)
		want := c
		want.Name, want.Status, want.Scopes = "Renamed", "inactive", []string{"admin"}
		want.NextSecretHash, want.NextSecretLastFour = []byte("next-hmac"), "wxyz"
		want.UpdatedAt = later
		equal(t, got, want)
		stored, err := s.M2MClient(ctx(t), p.ID, c.ClientID)
		must(t, err)
		equal(t, stored, want)
	}},
	{"UpdateAbortsOnError", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := createClient(t, s, newClient(p.ID, now(), "active"))
		_, err := s.UpdateM2MClient(ctx(t), p.ID, c.ClientID, func(v *store.M2MClient) error {
			v.Status = "inactive"
			return errAbort
		})
		wantErr(t, err, errAbort)
		stored, err := s.M2MClient(ctx(t), p.ID, c.ClientID)
		must(t, err)
		equal(t, stored, c)
	}},
	{"Delete", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := createClient(t, s, newClient(p.ID, now(), "active"))
		must(t, s.DeleteM2MClient(ctx(t), p.ID, c.ClientID))
		_, err := s.M2MClient(ctx(t), "", c.ClientID)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.DeleteM2MClient(ctx(t), p.ID, c.ClientID), store.ErrNotFound)
	}},
	{"Search", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		t0 := now()
		c := []store.M2MClient{
			createClient(t, s, newClient(p.ID, t0, "active", "read:invoices", "write:invoices")),
			createClient(t, s, newClient(p.ID, t0.Add(time.Minute), "inactive", "read:invoices")),
			createClient(t, s, newClient(p.ID, t0.Add(2*time.Minute), "active", "read")),
			createClient(t, s, newClient(p.ID, t0.Add(3*time.Minute), "active")),
		}
		createClient(t, s, newClient(other.ID, t0, "active", "read"))
		for _, tc := range []struct {
			name string
			q    store.M2MQuery
			want []int
		}{
			{"all", store.M2MQuery{}, []int{0, 1, 2, 3}},
			{"client IDs", store.M2MQuery{ClientIDs: []string{c[3].ClientID, c[1].ClientID}}, []int{1, 3}},
			{"status", store.M2MQuery{Status: "inactive"}, []int{1}},
			// "read" must not match "read:invoices": scopes are whole tokens.
			{"any of scopes", store.M2MQuery{Scopes: []string{"read", "write:invoices"}}, []int{0, 2}},
			{"AND", store.M2MQuery{Status: "active", Scopes: []string{"read:invoices"}}, []int{0}},
			{"OR", store.M2MQuery{Or: true, Status: "inactive", ClientIDs: []string{c[3].ClientID}}, []int{1, 3}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := s.SearchM2MClients(ctx(t), p.ID, tc.q)
				must(t, err)
				var want []store.M2MClient
				for _, i := range tc.want {
					want = append(want, c[i])
				}
				equal(t, res, store.M2MResult{Clients: want, Total: len(want)})
			})
		}
	}},
	{"SearchPagination", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		var all []store.M2MClient
		for i := range 5 {
			all = append(all, createClient(t, s, newClient(p.ID, t0.Add(time.Duration(i)*time.Second), "active", "read")))
		}
		var got []store.M2MClient
		q := store.M2MQuery{Scopes: []string{"read"}, Page: store.Page{Limit: 2}}
		for pages := 1; ; pages++ {
			res, err := s.SearchM2MClients(ctx(t), p.ID, q)
			must(t, err)
			equal(t, res.Total, 5)
			got = append(got, res.Clients...)
			if res.NextCursor == "" {
				equal(t, pages, 3)
				break
			}
			q.Cursor = res.NextCursor
		}
		equal(t, got, all)
	}},
}
