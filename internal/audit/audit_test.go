package audit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// appender keeps what it is given, or fails with err.
type appender struct {
	got []store.AuditEvent
	err error
}

func (a *appender) AppendAuditEvent(ctx context.Context, e store.AuditEvent) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if a.err != nil {
		return a.err
	}
	a.got = append(a.got, e)
	return nil
}

// requestCtx is the context of a request through the server's middleware:
// its ID, client address, logger and, when project is set, the project
// that authenticated.
func requestCtx(buf *bytes.Buffer, project string) context.Context {
	r := httptest.NewRequest("POST", "/v1/sessions/revoke", nil)
	r.Header.Set(api.RequestIDHeader, "req-1")
	r = api.WithRequestID(r)
	r = api.WithClientIP(r, "192.0.2.9")
	r = api.WithLogger(r, slog.New(slog.NewTextHandler(buf, nil)))
	if project != "" {
		api.NoteProject(r.Context(), project)
	}
	return r.Context()
}

func TestRecord(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6789, time.UTC)
	var buf bytes.Buffer
	a := &appender{}
	New(a, Options{Now: func() time.Time { return at }}).Record(requestCtx(&buf, "project-1"), Event{ProjectID: "project-1",
		Type: SessionRevoke, Subject: "session-1", Outcome: Success, Details: map[string]string{"user_id": "user-1"}})
	if len(a.got) != 1 {
		t.Fatalf("%d events stored", len(a.got))
	}
	e := a.got[0]
	if !strings.HasPrefix(e.ID, "audit-event-") || !e.Time.Equal(at.Truncate(time.Microsecond)) || e.Actor != "project:project-1" ||
		e.ClientIP != "192.0.2.9" || e.RequestID != "req-1" || string(e.Details) != `{"user_id":"user-1"}` {
		t.Errorf("stored %+v", e)
	}
	if !strings.Contains(buf.String(), "msg=audit") || !strings.Contains(buf.String(), "event_id="+e.ID) {
		t.Errorf("the request's logger did not get the event:\n%s", buf.String())
	}

	// No project authenticated (a person at the hosted pages): anonymous.
	buf.Reset()
	New(a, Options{}).Record(requestCtx(&buf, ""), Event{ProjectID: "project-1", Type: SignIn, Outcome: Failure})
	if got := a.got[1]; got.Actor != "anonymous" || got.Details != nil {
		t.Errorf("stored %+v", got)
	}
	// A cancelled request (the client went away) still gets its event.
	ctx, cancel := context.WithCancel(requestCtx(&buf, "project-1"))
	cancel()
	New(a, Options{}).Record(ctx, Event{ProjectID: "project-1", Type: SignIn, Actor: "user:u", Outcome: Success})
	if len(a.got) != 3 || a.got[2].Actor != "user:u" {
		t.Errorf("a cancelled request's event: %+v", a.got)
	}
	// A nil Log records nothing, and does not panic.
	var none *Log
	none.Record(ctx, Event{Type: SignIn})
}

// A write the store refuses is logged at error level with the whole
// event, counted, and not returned: the action it records has happened.
func TestRecordFailure(t *testing.T) {
	var buf bytes.Buffer
	failed := 0
	New(&appender{err: errors.New("disk full")}, Options{Failed: func() { failed++ }}).Record(requestCtx(&buf, "project-1"),
		Event{ProjectID: "project-1", Type: Lockout, Outcome: Failure, Details: map[string]string{"email": "ada@example.com"}})
	log := buf.String()
	if failed != 1 || !strings.Contains(log, "level=ERROR") || !strings.Contains(log, `msg="audit event not stored"`) ||
		!strings.Contains(log, "type=lockout") || !strings.Contains(log, "ada@example.com") || !strings.Contains(log, "disk full") {
		t.Errorf("failed = %d, log:\n%s", failed, log)
	}
}
