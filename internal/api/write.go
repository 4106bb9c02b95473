package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
)

// Meta is embedded in every response body: Stytch SDKs expect request_id
// and status_code at top level.
type Meta struct {
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
}

func (m *Meta) setMeta(id string, status int) { m.RequestID, m.StatusCode = id, status }

// Response is a body with embedded Meta.
type Response interface{ setMeta(string, int) }

// Write sends v as JSON with the given status, filling its Meta.
func Write(w http.ResponseWriter, r *http.Request, status int, v Response) {
	v.setMeta(RequestID(r), status)
	writeJSON(w, r, status, v)
}

// WriteNoStore is Write for bodies carrying credentials (RFC 6749 §5.1).
func WriteNoStore(w http.ResponseWriter, r *http.Request, status int, v Response) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	Write(w, r, status, v)
}

// WriteRawNoStore writes body, a JSON document of the caller's (no Stytch
// envelope: for endpoints whose clients expect another shape), with the
// no-store headers of WriteNoStore.
func WriteRawNoStore(w http.ResponseWriter, status int, body json.RawMessage) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeBody(w, status, body)
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Our own response types always marshal; this is a programming error.
		Logger(r.Context()).ErrorContext(r.Context(), "marshal response", "request_id", RequestID(r), "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"status_code":500,"error_type":"internal_server_error"}`)
	}
	writeBody(w, status, b)
}

func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}

// logCause logs server-side faults once, with the request ID, to the
// server's logger (Logger).
func logCause(r *http.Request, status int, code string, cause error) {
	if status < 500 && cause == nil {
		return
	}
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	Logger(r.Context()).Log(r.Context(), level, "request failed", "request_id", RequestID(r),
		"method", r.Method, "path", r.URL.Path, "status", status, "code", code, "err", cause)
}
