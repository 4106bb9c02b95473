package audit

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

// Lister is the store operation the management API reads.
type Lister interface {
	AuditEvents(ctx context.Context, projectID string, q store.AuditQuery) (store.AuditEventResult, error)
}

// Handler serves a project's audit events to its backend.
type Handler struct {
	Auth  *projects.Auth
	Store Lister
}

// maxLimit is the largest page (the store's ceiling).
const maxLimit = 1000

// Mount registers the route behind project authentication.
func (h *Handler) Mount(mux api.Router) {
	mux.Handle("GET /v1/audit_events", h.Auth.Wrap(h.list))
}

type eventJSON struct {
	EventID   string          `json:"event_id"`
	Type      string          `json:"type"`
	Actor     string          `json:"actor"`
	Subject   string          `json:"subject"`
	Outcome   string          `json:"outcome"`
	ClientIP  string          `json:"client_ip"`
	RequestID string          `json:"request_id"`
	Details   json.RawMessage `json:"details"`
	CreatedAt string          `json:"created_at"`
}

type listResponse struct {
	api.Meta
	AuditEvents     []eventJSON `json:"audit_events"`
	ResultsMetadata struct {
		NextCursor *string `json:"next_cursor"` // null on the last page
	} `json:"results_metadata"`
}

// list is GET /v1/audit_events?type=..&type=..&since=..&limit=..&cursor=..:
// one page of the project's events, oldest first; next_cursor leads on.
func (h *Handler) list(w http.ResponseWriter, r *http.Request, p store.Project) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	res, err := h.Store.AuditEvents(r.Context(), p.ID, q)
	if err != nil {
		return api.SearchError(err) // a forged cursor is a 400, the rest 500 (or 503)
	}
	out := listResponse{AuditEvents: make([]eventJSON, len(res.Events))}
	for i, e := range res.Events {
		details := e.Details
		if details == nil {
			details = json.RawMessage(`{}`)
		}
		out.AuditEvents[i] = eventJSON{EventID: e.ID, Type: e.Type, Actor: e.Actor, Subject: e.Subject,
			Outcome: e.Outcome, ClientIP: e.ClientIP, RequestID: e.RequestID, Details: details,
			CreatedAt: e.Time.Format(time.RFC3339Nano)}
	}
	if res.NextCursor != "" {
		out.ResultsMetadata.NextCursor = &res.NextCursor
	}
	api.Write(w, r, http.StatusOK, &out)
	return nil
}

func parseQuery(r *http.Request) (store.AuditQuery, error) {
	v := r.URL.Query()
	q := store.AuditQuery{Types: v["type"], Page: store.Page{Cursor: v.Get("cursor")}}
	for _, t := range q.Types {
		if !slices.Contains(Types(), t) {
			return q, api.BadRequest("invalid_audit_event_filter", "type %q is not an audit event type.", t)
		}
	}
	if s := v.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return q, api.BadRequest("invalid_audit_event_filter", "since must be an RFC 3339 time, such as 2026-01-02T15:04:05Z.")
		}
		q.Since = t
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return q, api.BadRequest("invalid_limit", "limit must be between 1 and %d.", maxLimit)
		}
		q.Page.Limit = n
	}
	return q, nil
}
