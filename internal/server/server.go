package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/discovery"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
	"github.com/signet-id/signet/oidc"
)

// Config holds the server's dependencies. All fields are required unless
// noted.
type Config struct {
	// Issuer is the public base URL, e.g. "https://id.example.com"; a
	// trailing slash is removed.
	Issuer string
	Store  store.Store
	Keys   *keys.Manager
	Pepper secrets.Pepper
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Server is a built Signet HTTP server.
type Server struct {
	cfg     Config
	handler http.Handler
	metrics *metrics
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	cfg.Issuer = strings.TrimRight(cfg.Issuer, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{cfg: cfg, metrics: newMetrics(reg)}

	mux := http.NewServeMux()
	projectAuth := api.NewProjectAuth(cfg.Store, cfg.Pepper, 30*time.Second)
	_ = projectAuth

	// Management API (HTTP Basic project_id:secret), one Mount per domain.
	(&users.Handler{
		Auth:   projectAuth,
		Store:  cfg.Store,
		Keys:   cfg.Keys,
		Pepper: cfg.Pepper,
		Issuer: cfg.Issuer,
		Now:    cfg.Now,
	}).Mount(mux)

	disc := &discovery.Handler{
		Metadata: s.metadata(),
		Keys:     cfg.Keys,
		Projects: cfg.Store,
		UnionTTL: 10 * time.Second,
		Now:      cfg.Now,
	}
	disc.Mount(mux)

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	s.handler = s.middleware(mux)
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// metadata is the discovery document: only what this server really serves.
func (s *Server) metadata() oidc.Metadata {
	iss := s.cfg.Issuer
	return oidc.Metadata{
		Issuer:                           iss,
		JWKSURI:                          iss + "/.well-known/jwks.json",
		ResponseTypesSupported:           []string{},
		SubjectTypesSupported:            []string{"public"},
		IDTokenSigningAlgValuesSupported: []string{"RS256"},
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"ok"}`))
}

// readyz reports ready only when the database answers within a second.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.cfg.Logger.Warn("readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"unavailable"}`))
		return
	}
	w.Write([]byte(`{"status":"ready"}`))
}
