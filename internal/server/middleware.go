package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/audit"
)

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// verifications counts bank verification runs by how they ended.
	verifications *prometheus.CounterVec
	// auditFailures counts audit events the store did not take (each
	// is logged at error level instead; internal/audit).
	auditFailures prometheus.Counter
	// signIns, lockouts: from the audit events (observeAudit).
	signIns  *prometheus.CounterVec
	lockouts prometheus.Counter
	// tokens counts token responses by grant type and access-token
	// signing algorithm.
	tokens *prometheus.CounterVec
	// logouts counts back-channel logout attempts by outcome
	// (internal/logout).
	logouts *prometheus.CounterVec
}

// observeAudit counts the audit events that are metrics too: sign-ins
// by method and outcome, lockouts.
func (m *metrics) observeAudit(e audit.Event) {
	switch e.Type {
	case audit.SignIn:
		m.signIns.WithLabelValues(e.Details["method"], e.Outcome).Inc()
	case audit.Lockout:
		m.lockouts.Inc()
	}
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_bank_verifications_total",
			Help: "Bank verification runs that ended, by outcome: verified, or the error code (access_denied, bank_error, invalid_bank_response, bank_unavailable, bank_email_conflict, ...).",
		}, []string{"outcome"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "signet_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	m.auditFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "signet_audit_write_failures_total",
		Help: "Audit events the database did not take; each is in the log at error level (msg \"audit event not stored\").",
	})
	m.signIns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "signet_sign_ins_total",
		Help: "Sign-in attempts by method (password, bank) and outcome (success, failure); a throttled or locked attempt is a failure.",
	}, []string{"method", "outcome"})
	m.lockouts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "signet_lockouts_total",
		Help: "Password sign-ins refused because the account is locked (--login-account-limit).",
	})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "signet_tokens_issued_total",
		Help: "Token responses of the token endpoint by grant type and the access token's signing algorithm.",
	}, []string{"grant_type", "alg"})
	m.logouts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "signet_backchannel_logouts_total",
		Help: "Back-channel logout token deliveries (OpenID Connect Back-Channel Logout 1.0) by outcome: delivered, retried (an attempt failed, another follows), failed (given up; logged at error level).",
	}, []string{"outcome"})
	reg.MustRegister(m.requests, m.duration, m.verifications, m.auditFailures, m.signIns, m.lockouts, m.tokens, m.logouts)
	return m
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware wraps mux: request ID (X-Request-Id in and out), the logger
// and client address, transport headers, a trace span (with
// Config.Tracing), recovery, envelope for unmatched routes, metrics and an
// info-level access line.
func (s *Server) middleware(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r = api.WithRequestID(r)
		r = api.WithLogger(r, s.cfg.Logger)
		if a := s.clientIP.Addr(r); a.IsValid() {
			r = api.WithClientIP(r, a.String())
		}
		r = api.WithErrorDocs(r, s.errorDocs)
		w.Header().Set(api.RequestIDHeader, api.RequestID(r))
		s.transportHeaders(w, r)
		w.Header().Set(fapiInteractionID, interactionID(r))
		sw := &statusWriter{ResponseWriter: w}
		route := "unmatched"
		r, span := s.startSpan(r)
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				s.cfg.Logger.Error("panic serving request", "request_id", api.RequestID(r), "panic", fmt.Sprint(v))
				if sw.status == 0 {
					api.WriteError(sw, r, api.Internal(fmt.Errorf("panic: %v", v)))
				}
			}
			s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Inc()
			s.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
			s.accessLine(r, route, sw.status, time.Since(start))
			endSpan(span, r, route, sw.status)
		}()

		if !api.ValidText(r.URL.Path) {
			// The path's edge: a path that is not text (%00, %ff, ...)
			// names no route, as no ID can hold such text (api.ValidText).
			api.WriteError(sw, r, api.ErrNotFound)
			return
		}
		h, pattern := mux.Handler(r)
		if pattern == "" {
			notMatched(sw, r, h)
			return
		}
		route = pattern
		// Through the mux, not h: only ServeMux.ServeHTTP sets the
		// request's path values (r.PathValue); mux.Handler does not.
		mux.ServeHTTP(sw, r)
	})
}

// accessLine logs one info-level line per request: its ID, method, route
// pattern (never the raw path, which may carry IDs and tokens in queries),
// status, duration and, once it authenticated, its project. Operators who
// want no access lines set --log-level warn.
func (s *Server) accessLine(r *http.Request, route string, status int, d time.Duration) {
	if !s.cfg.Logger.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	if status == 0 { // the handler wrote nothing: net/http sends 200
		status = http.StatusOK
	}
	attrs := []slog.Attr{
		slog.String("request_id", api.RequestID(r)),
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", d),
	}
	if p := api.NotedProject(r.Context()); p != "" {
		attrs = append(attrs, slog.String("project_id", p))
	}
	s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// hsts is the Strict-Transport-Security value (RFC 6797 §6.1): remember
// for a year (max-age, in seconds) to use only https here; no
// includeSubDomains, since other hosts under the issuer's domain may still
// serve plain HTTP.
const hsts = "max-age=31536000"

// transportHeaders sets the headers every response carries, whatever
// answers it:
//
//   - Strict-Transport-Security on every response that reaches the
//     browser over TLS: served by the TLS listener (r.TLS), or by any
//     listener when the issuer is https (TLS ends at a proxy in front,
//     which passes the header on). A plain-HTTP issuer's own listener
//     sends none (RFC 6797 §7.2; browsers ignore it there anyway).
//   - Cache-Control: no-store on the management API (/v1/), whose answers
//     carry personal data (users, sessions, client secrets) that no
//     browser or shared cache may keep, errors included. Public documents
//     under /v1/ (JWKS, discovery aliases) set their own caching.
func (s *Server) transportHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if r.TLS != nil || s.httpsIssuer {
		h.Set("Strict-Transport-Security", hsts)
	}
	if strings.HasPrefix(r.URL.Path, "/v1/") {
		h.Set("Cache-Control", "no-store")
	}
}

// fapiInteractionID correlates a request across the RP, Signet and their
// logs (FAPI 1.0 Baseline §6.2.1 items 11-13, kept by FAPI 2.0).
const fapiInteractionID = "X-Fapi-Interaction-Id"

// interactionID echoes the client's x-fapi-interaction-id when it is an
// RFC 4122 UUID, and makes a fresh UUID otherwise, so every response
// carries one and nothing but a UUID is ever reflected.
func interactionID(r *http.Request) string {
	if v := r.Header.Get(fapiInteractionID); v != "" {
		if id, err := uuid.Parse(v); err == nil && len(v) == 36 {
			return id.String()
		}
	}
	return uuid.NewString()
}

// notMatched answers a request no route matched with the Stytch envelope
// instead of Go's plain-text page: 404, or 405 with the Allow header the
// mux computed (RFC 9110 §15.5.6).
func notMatched(w http.ResponseWriter, r *http.Request, muxHandler http.Handler) {
	probe := &headerProbe{header: http.Header{}}
	muxHandler.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		api.WriteError(w, r, api.Errorf(http.StatusMethodNotAllowed, "method_not_allowed",
			"Method %s is not allowed on this route.", r.Method))
		return
	}
	api.WriteError(w, r, api.ErrNotFound)
}

// headerProbe captures what the mux's 404/405 handler would write.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(code int)        { p.status = code }
