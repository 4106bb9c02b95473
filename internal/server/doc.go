// Package server is Signet's composition root: it builds every endpoint
// from explicit dependencies, mounts their routes on one ServeMux, and wraps
// it in the shared middleware (request ID, panic recovery, metrics, access
// log, and the Stytch envelope for unknown routes and methods, which is
// also the answer to a path that is not text, see api.ValidText). It holds
// no protocol logic.
//
// Routes owned here: GET /healthz, GET /readyz (not ready, with a reason,
// when the database does not answer or Config.Ready reports a fault: the
// master key rotated under the server, a signing key that does not open),
// GET /metrics.
package server
