package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// MaxBody is the largest request body accepted (1 MiB). Metadata limits
// are smaller and enforced by the handlers that own them.
const MaxBody = 1 << 20

type ctxKey struct{}

// RequestIDHeader carries a request's ID: taken from the request when a
// proxy or client in front sent a well-formed one (ValidRequestID), and
// always sent back on the response, so one ID follows the request through
// every log.
const RequestIDHeader = "X-Request-Id"

// WithRequestID returns r carrying its request ID: the X-Request-Id it
// came with when that is well-formed (ValidRequestID), a fresh
// "request-id-<uuid>" otherwise. It also carries the request's access note
// (NoteProject). Called once, by the server's outermost middleware; the ID
// is request-scoped data, not a dependency.
func WithRequestID(r *http.Request) *http.Request {
	id := r.Header.Get(RequestIDHeader)
	if !ValidRequestID(id) {
		id = "request-id-" + uuid.NewString()
	}
	ctx := context.WithValue(r.Context(), ctxKey{}, id)
	return r.WithContext(context.WithValue(ctx, noteKey{}, &accessNote{}))
}

// ValidRequestID reports whether an incoming X-Request-Id may be used as
// the request's ID: 1 to 128 characters of [A-Za-z0-9._:-]. Anything else
// (spaces, quotes, control characters, a novel) could forge log lines or
// bloat every body it is echoed in, and is replaced.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

type noteKey struct{}

// accessNote is what a request's handlers learn that the access line
// reports and the middleware cannot see: the project that authenticated.
// One request is served by one goroutine at a time, so no lock.
type accessNote struct{ projectID string }

// NoteProject records that the request authenticated as project id, for
// the access line (a no-op outside the middleware).
func NoteProject(ctx context.Context, id string) {
	if n, ok := ctx.Value(noteKey{}).(*accessNote); ok {
		n.projectID = id
	}
}

// NotedProject is the project NoteProject recorded ("" when none
// authenticated).
func NotedProject(ctx context.Context) string {
	if n, ok := ctx.Value(noteKey{}).(*accessNote); ok {
		return n.projectID
	}
	return ""
}

// RequestID returns the request's ID ("" outside the middleware).
func RequestID(r *http.Request) string { return ContextRequestID(r.Context()) }

// ContextRequestID is RequestID for code that has the request's context
// only (services the handlers call, the audit log).
func ContextRequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

type clientIPKey struct{}

// WithClientIP returns r carrying the client's address as the server
// resolved it (internal/clientip: the peer, or X-Forwarded-For past
// trusted proxies), for the records that note where a request came from
// (the audit log). Called once, by the server's outermost middleware.
func WithClientIP(r *http.Request, ip string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), clientIPKey{}, ip))
}

// ClientIP is the address WithClientIP recorded ("" outside a request).
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}

type loggerKey struct{}

// WithLogger returns r carrying the server's logger (server.Config.Logger).
// Called once, by the server's outermost middleware beside WithRequestID:
// the writers here and the handlers' fault logs are free functions reached
// from every route, so the logger travels with the request the way its ID
// does, instead of through the global slog default (issue 15, item 5).
func WithLogger(r *http.Request, l *slog.Logger) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), loggerKey{}, l))
}

// Logger returns the logger the server put in ctx (WithLogger), or
// slog.Default() outside a server's request (tests calling a handler
// directly, background work).
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	return slog.Default()
}

// Decode reads a JSON body into dst. An empty body decodes as {}. The
// content type must be JSON when a body is present, and every string in
// it text (ValidJSONText).
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	b, err := io.ReadAll(body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return Errorf(http.StatusRequestEntityTooLarge, "request_too_large", "The request body is larger than %d bytes.", MaxBody)
		}
		return BadRequest("invalid_request", "The request body could not be read.")
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/json" {
			return Errorf(http.StatusUnsupportedMediaType, "invalid_content_type", "Content-Type must be application/json.")
		}
	}
	if !ValidJSONText(b) {
		return BadRequest("invalid_json", "The request body holds a string that is not valid UTF-8, or contains a NUL (\\u0000) or a lone surrogate.")
	}
	if err := json.Unmarshal(b, dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return BadRequest("invalid_json", "Field %q has the wrong type: expected %s.", typeErr.Field, typeErr.Type)
		}
		return BadRequest("invalid_json", "The request body is not valid JSON.")
	}
	return nil
}
