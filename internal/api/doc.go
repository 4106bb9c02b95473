// Package api holds the wire conventions of Signet's HTTP surface, written
// in one place:
//
//   - every response carries request_id (and status_code) at top level;
//   - management errors use the Stytch error envelope (status_code,
//     request_id, error_type, error_message, error_url);
//   - OAuth endpoints use the RFC 6749 §5.2 error shape, via WriteOAuthError;
//   - a store that did not answer in time (store.ErrUnavailable) is a 503
//     in either shape (server_unavailable, temporarily_unavailable), never
//     a 500, so clients retry;
//   - request bodies are JSON (or forms, for OAuth) with a size limit;
//   - text from outside is valid UTF-8 with no NUL (ValidText,
//     ValidJSONText, ReadForm), checked once where it enters: the server's
//     path check, Decode, the Basic credentials and query of management
//     calls here, and the form and query readers of the OAuth endpoints and
//     hosted pages, which answer in their own shapes;
//   - management calls authenticate with HTTP Basic project_id:secret, on
//     routes of their project's vertical (consumer or B2B, vertical.go);
//   - search routes share one request shape and results_metadata
//     (search.go), and records share their field rules (fields.go).
//
// Handlers return errors; the writers here decide what reaches the wire and
// log internal causes once. Nothing else writes an error body.
package api
