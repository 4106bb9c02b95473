package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

var rbacTests = []test{
	{"AbsentIsNotFound", func(t *testing.T, s store.Store) {
		_, err := s.RBACPolicy(ctx(t), "project-rbac", "")
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	}},
	{"SetReplacesWhole", func(t *testing.T, s store.Store) {
		first := store.RBACPolicyRecord{ProjectID: "project-rbac", Document: json.RawMessage(`{"roles":[1]}`), UpdatedAt: now()}
		must(t, s.SetRBACPolicy(ctx(t), first))
		second := first
		second.Document, second.UpdatedAt = json.RawMessage(`{"roles":[2],"scopes":[]}`), now().Add(time.Second)
		must(t, s.SetRBACPolicy(ctx(t), second))
		got, err := s.RBACPolicy(ctx(t), "project-rbac", "")
		must(t, err)
		if string(got.Document) != string(second.Document) || !got.UpdatedAt.Equal(second.UpdatedAt) {
			t.Fatalf("got %s at %v, want %s at %v", got.Document, got.UpdatedAt, second.Document, second.UpdatedAt)
		}
	}},
	{"ProjectsAndOrganizationsApart", func(t *testing.T, s store.Store) {
		must(t, s.SetRBACPolicy(ctx(t), store.RBACPolicyRecord{ProjectID: "project-a", Document: json.RawMessage(`"a"`), UpdatedAt: now()}))
		must(t, s.SetRBACPolicy(ctx(t), store.RBACPolicyRecord{ProjectID: "project-a", OrganizationID: "organization-1", Document: json.RawMessage(`"org"`), UpdatedAt: now()}))
		must(t, s.SetRBACPolicy(ctx(t), store.RBACPolicyRecord{ProjectID: "project-b", Document: json.RawMessage(`"b"`), UpdatedAt: now()}))
		for _, c := range []struct{ project, org, want string }{
			{"project-a", "", `"a"`}, {"project-a", "organization-1", `"org"`}, {"project-b", "", `"b"`},
		} {
			got, err := s.RBACPolicy(ctx(t), c.project, c.org)
			must(t, err)
			if string(got.Document) != c.want || got.ProjectID != c.project || got.OrganizationID != c.org {
				t.Errorf("%s/%s: got %+v, want %s", c.project, c.org, got, c.want)
			}
		}
		if _, err := s.RBACPolicy(ctx(t), "project-b", "organization-1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another project's organization: err = %v, want ErrNotFound", err)
		}
	}},
	{"SetAnnounces", func(t *testing.T, s store.Store) {
		w := watch(t, s, store.TopicRBACPolicy)
		w.listening("project-rbac", func() {
			must(t, s.SetRBACPolicy(ctx(t), store.RBACPolicyRecord{ProjectID: "project-rbac", Document: json.RawMessage(`{}`), UpdatedAt: now()}))
		})
	}},
}
