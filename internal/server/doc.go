// Package server is Signet's composition root: it builds every endpoint
// from explicit dependencies, mounts their routes on one ServeMux, and wraps
// it in the shared middleware (request ID, the logger, a trace span,
// panic recovery, metrics, access log, the Stytch envelope for unknown routes and methods, which is also
// the answer to a path that is not text (see api.ValidText), HSTS on every
// response that travels over TLS, Cache-Control: no-store on the whole
// management API). It holds no protocol logic.
//
// Routes owned here:
//
//	GET /healthz   the process is up
//	GET /readyz    the database answers and takes writes, and Config.Ready reports no fault
//	               (the master key rotated under the server, a signing key that does not open; ready.go)
//	GET /metrics   Prometheus metrics (on AdminHandler only with Config.SeparateAdmin)
//
// Every route mounted anywhere is listed in the route table of its
// package's doc: TestRouteTables compares the tables with what New mounts.
package server
