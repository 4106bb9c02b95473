package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

func newAuditEvent(projectID, typ string, at time.Time) store.AuditEvent {
	return store.AuditEvent{
		ID: newID("audit-event"), ProjectID: projectID, Time: at, Type: typ,
		Actor: "project:" + projectID, Subject: newID("user"), Outcome: "success",
		ClientIP: "192.0.2.7", RequestID: "request-id-1", Details: json.RawMessage(`{"method":"password"}`),
	}
}

// auditPage lists every event q selects, page by page (limit 2), and
// checks each page's cursor leads on.
func auditPages(t *testing.T, s store.Store, projectID string, q store.AuditQuery) []store.AuditEvent {
	t.Helper()
	var all []store.AuditEvent
	q.Page.Limit = 2
	for range 100 {
		res, err := s.AuditEvents(ctx(t), projectID, q)
		must(t, err)
		all = append(all, res.Events...)
		if res.NextCursor == "" {
			return all
		}
		q.Page.Cursor = res.NextCursor
	}
	t.Fatal("pages never end")
	return nil
}

func auditIDs(es []store.AuditEvent) []string {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

var auditTests = []test{
	{"AppendAndRead", func(t *testing.T, s store.Store) {
		e := newAuditEvent("project-a", "sign_in", now())
		must(t, s.AppendAuditEvent(ctx(t), e))
		none := newAuditEvent("project-a", "session_revoke", now())
		none.Details, none.ClientIP, none.RequestID = nil, "", ""
		must(t, s.AppendAuditEvent(ctx(t), none))
		got := auditPages(t, s, "project-a", store.AuditQuery{})
		if len(got) != 2 {
			t.Fatalf("got %d events, want 2", len(got))
		}
		byID := map[string]store.AuditEvent{got[0].ID: got[0], got[1].ID: got[1]}
		for _, want := range []store.AuditEvent{e, none} {
			if g := byID[want.ID]; !reflect.DeepEqual(g, want) {
				t.Errorf("read back %+v, want %+v", g, want)
			}
		}
		var dup *store.DuplicateError
		if err := s.AppendAuditEvent(ctx(t), e); !errors.As(err, &dup) || dup.Field != "event_id" {
			t.Fatalf("a taken ID = %v, want *DuplicateError{event_id}", err)
		}
	}},
	{"PagesFiltersAndProjects", func(t *testing.T, s store.Store) {
		t0 := now()
		var written []store.AuditEvent
		for i := range 5 {
			typ := "sign_in"
			if i%2 == 1 {
				typ = "lockout"
			}
			// Events share times in twos: the ID orders them.
			e := newAuditEvent("project-a", typ, t0.Add(time.Duration(i/2)*time.Second))
			must(t, s.AppendAuditEvent(ctx(t), e))
			written = append(written, e)
		}
		must(t, s.AppendAuditEvent(ctx(t), newAuditEvent("project-b", "sign_in", t0)))
		must(t, s.AppendAuditEvent(ctx(t), newAuditEvent("", "master_key_rotate", t0)))
		slices.SortFunc(written, func(a, b store.AuditEvent) int {
			if c := a.Time.Compare(b.Time); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		// expect is the IDs of the written events keep selects, in order.
		expect := func(keep func(store.AuditEvent) bool) []string {
			var ids []string
			for _, e := range written {
				if keep(e) {
					ids = append(ids, e.ID)
				}
			}
			return ids
		}
		for _, tt := range []struct {
			name string
			q    store.AuditQuery
			keep func(store.AuditEvent) bool
		}{
			{"all", store.AuditQuery{}, func(store.AuditEvent) bool { return true }},
			{"sign_in", store.AuditQuery{Types: []string{"sign_in"}}, func(e store.AuditEvent) bool { return e.Type == "sign_in" }},
			{"two types", store.AuditQuery{Types: []string{"sign_in", "lockout"}}, func(store.AuditEvent) bool { return true }},
			{"since t0+1s", store.AuditQuery{Since: t0.Add(time.Second)}, func(e store.AuditEvent) bool { return !e.Time.Before(t0.Add(time.Second)) }},
			{"unknown type", store.AuditQuery{Types: []string{"nothing"}}, func(store.AuditEvent) bool { return false }},
		} {
			if got, want := auditIDs(auditPages(t, s, "project-a", tt.q)), expect(tt.keep); !slices.Equal(got, want) {
				t.Errorf("%s: pages = %v, want %v", tt.name, got, want)
			}
		}
		_, err := s.AuditEvents(ctx(t), "project-a", store.AuditQuery{Page: store.Page{Cursor: "not a cursor!"}})
		wantErr(t, err, store.ErrInvalidCursor)
	}},
	{"Purge", func(t *testing.T, s store.Store) {
		t0 := now()
		old := newAuditEvent("project-a", "sign_in", t0.Add(-91*24*time.Hour))
		instance := newAuditEvent("", "master_key_rotate", t0.Add(-100*24*time.Hour))
		kept := newAuditEvent("project-a", "sign_in", t0.Add(-89*24*time.Hour))
		for _, e := range []store.AuditEvent{old, instance, kept} {
			must(t, s.AppendAuditEvent(ctx(t), e))
		}
		n, err := s.PurgeAuditEvents(ctx(t), t0.Add(-90*24*time.Hour))
		must(t, err)
		if n != 2 {
			t.Errorf("purged %d, want 2", n)
		}
		if got := auditPages(t, s, "project-a", store.AuditQuery{}); len(got) != 1 || got[0].ID != kept.ID {
			t.Errorf("after the purge: %v, want only %s", auditIDs(got), kept.ID)
		}
		if n, err := s.PurgeAuditEvents(ctx(t), t0.Add(-90*24*time.Hour)); err != nil || n != 0 {
			t.Errorf("purging again = %d, %v; want 0", n, err)
		}
	}},
}
