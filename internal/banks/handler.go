package banks

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

// Handler serves the bank registry management API.
type Handler struct {
	Auth     *projects.Auth
	Registry *Registry
	// CallbackURL is the redirect URI to register at every bank
	// (Issuer + CallbackPath), shown with each bank.
	CallbackURL string
	// HTTPClient talks to banks for the onboarding checks (nil: the rp
	// package's own).
	HTTPClient *http.Client
}

// wire is b on the wire with the redirect URI to register at it.
func (h *Handler) wire(b Bank) Wire {
	w := ToWire(b)
	w.RedirectURI = h.CallbackURL
	return w
}

// Mount registers the routes on mux behind project authentication.
func (h *Handler) Mount(mux api.Router) {
	mux.Handle("POST /v1/banks", h.Auth.Wrap(h.create))
	mux.Handle("GET /v1/banks", h.Auth.Wrap(h.list))
	mux.Handle("GET /v1/banks/{bank_id}", h.Auth.Wrap(h.get))
	mux.Handle("PUT /v1/banks/{bank_id}", h.Auth.Wrap(h.update))
	mux.Handle("DELETE /v1/banks/{bank_id}", h.Auth.Wrap(h.delete))
}

// Wire is a bank on the wire (the API, and `signet banks list --json`). It has no field for a credential, only
// whether each is set: secrets go in, never out.
type Wire struct {
	BankID           string    `json:"bank_id"`
	Issuer           string    `json:"issuer"`
	DisplayName      string    `json:"display_name"`
	LogoURL          string    `json:"logo_url"`
	PrimaryColor     string    `json:"primary_color"`
	BackgroundColor  string    `json:"background_color"`
	ClientID         string    `json:"client_id"`
	AuthMethod       string    `json:"auth_method"`
	TLSServerCA      string    `json:"tls_server_ca"`
	MaxAge           *int      `json:"max_age"`
	HasClientSecret  bool      `json:"has_client_secret"`
	HasTLSClientCert bool      `json:"has_tls_client_cert"`
	HasJWKS          bool      `json:"has_jwks"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	// RedirectURI is Signet's redirect URI, to register at the bank
	// (only in API responses).
	RedirectURI string `json:"redirect_uri,omitempty"`
}

// ToWire is b as the API shows it: credentials only as has_* flags.
func ToWire(b Bank) Wire {
	return Wire{
		BankID:           b.ID,
		Issuer:           b.Issuer,
		DisplayName:      b.DisplayName,
		LogoURL:          b.LogoURL,
		PrimaryColor:     b.PrimaryColor,
		BackgroundColor:  b.BackgroundColor,
		ClientID:         b.ClientID,
		AuthMethod:       b.AuthMethod,
		TLSServerCA:      b.TLSServerCA,
		MaxAge:           b.MaxAge,
		HasClientSecret:  b.HasClientSecret,
		HasTLSClientCert: b.HasTLSClientCert,
		HasJWKS:          b.HasJWKS,
		CreatedAt:        b.CreatedAt,
		UpdatedAt:        b.UpdatedAt,
	}
}

type bankResponse struct {
	Bank Wire `json:"bank"`
	api.Meta
}

type listResponse struct {
	Banks []Wire `json:"banks"`
	api.Meta
}

type deleteResponse struct {
	BankID string `json:"bank_id"`
	api.Meta
}

// credentialFields are the write-only fields of create and update.
type credentialFields struct {
	ClientSecret  string          `json:"client_secret"`
	TLSClientCert string          `json:"tls_client_cert"`
	TLSClientKey  string          `json:"tls_client_key"`
	JWKS          json.RawMessage `json:"jwks"`
}

func (c credentialFields) credentials() Credentials {
	jwks := c.JWKS
	if string(jwks) == "null" {
		jwks = nil
	}
	return Credentials{ClientSecret: c.ClientSecret, TLSClientCert: c.TLSClientCert, TLSClientKey: c.TLSClientKey, JWKS: jwks}
}

type createRequest struct {
	Issuer          string `json:"issuer"`
	DisplayName     string `json:"display_name"`
	LogoURL         string `json:"logo_url"`
	PrimaryColor    string `json:"primary_color"`
	BackgroundColor string `json:"background_color"`
	ClientID        string `json:"client_id"`
	AuthMethod      string `json:"auth_method"`
	TLSServerCA     string `json:"tls_server_ca"`
	MaxAge          *int   `json:"max_age"`
	// SkipChecks saves the bank without trying it first (Check): for a
	// bank this server cannot reach yet.
	SkipChecks bool `json:"skip_checks"`
	credentialFields
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req createRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	in := Input{
		Issuer:          req.Issuer,
		DisplayName:     req.DisplayName,
		LogoURL:         req.LogoURL,
		PrimaryColor:    req.PrimaryColor,
		BackgroundColor: req.BackgroundColor,
		ClientID:        req.ClientID,
		AuthMethod:      req.AuthMethod,
		TLSServerCA:     req.TLSServerCA,
		MaxAge:          req.MaxAge,
		Credentials:     req.credentials(),
	}
	if !req.SkipChecks {
		if err := Check(r.Context(), in, h.CallbackURL, h.HTTPClient); err != nil {
			return apiErr(err)
		}
	}
	b, err := h.Registry.Create(r.Context(), p.ID, in)
	if err != nil {
		return apiErr(err)
	}
	api.Write(w, r, http.StatusOK, &bankResponse{Bank: h.wire(b)})
	return nil
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, p store.Project) error {
	bs, err := h.Registry.List(r.Context(), p.ID)
	if err != nil {
		return apiErr(err)
	}
	out := make([]Wire, len(bs))
	for i, b := range bs {
		out[i] = h.wire(b)
	}
	api.Write(w, r, http.StatusOK, &listResponse{Banks: out})
	return nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request, p store.Project) error {
	b, err := h.Registry.Get(r.Context(), p.ID, r.PathValue("bank_id"))
	if err != nil {
		return apiErr(err)
	}
	api.Write(w, r, http.StatusOK, &bankResponse{Bank: h.wire(b)})
	return nil
}

// updateRequest has pointer fields: absent means "leave as is". The
// credential fields replace the stored ones only when non-empty.
type updateRequest struct {
	Issuer          *string `json:"issuer"`
	DisplayName     *string `json:"display_name"`
	LogoURL         *string `json:"logo_url"`
	PrimaryColor    *string `json:"primary_color"`
	BackgroundColor *string `json:"background_color"`
	ClientID        *string `json:"client_id"`
	AuthMethod      *string `json:"auth_method"`
	TLSServerCA     *string `json:"tls_server_ca"`
	// MaxAge: absent keeps it, null removes it, a number sets it.
	MaxAge json.RawMessage `json:"max_age"`
	credentialFields
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req updateRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	var maxAge *int
	clearMaxAge := string(req.MaxAge) == "null"
	if len(req.MaxAge) > 0 && !clearMaxAge {
		if err := json.Unmarshal(req.MaxAge, &maxAge); err != nil {
			return api.BadRequest("invalid_bank", "max_age must be a number of seconds, or null to remove it.")
		}
	}
	b, err := h.Registry.Update(r.Context(), p.ID, r.PathValue("bank_id"), Patch{
		Issuer:          req.Issuer,
		DisplayName:     req.DisplayName,
		LogoURL:         req.LogoURL,
		PrimaryColor:    req.PrimaryColor,
		BackgroundColor: req.BackgroundColor,
		ClientID:        req.ClientID,
		AuthMethod:      req.AuthMethod,
		TLSServerCA:     req.TLSServerCA,
		MaxAge:          maxAge,
		ClearMaxAge:     clearMaxAge,
		Credentials:     req.credentials(),
	})
	if err != nil {
		return apiErr(err)
	}
	api.Write(w, r, http.StatusOK, &bankResponse{Bank: h.wire(b)})
	return nil
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, p store.Project) error {
	id := r.PathValue("bank_id")
	if err := h.Registry.Delete(r.Context(), p.ID, id); err != nil {
		return apiErr(err)
	}
	api.Write(w, r, http.StatusOK, &deleteResponse{BankID: id})
	return nil
}

// apiErr maps registry errors to the envelope.
func apiErr(err error) error {
	var (
		inv *InvalidError
		ce  *CheckError
	)
	switch {
	case errors.As(err, &inv):
		return api.BadRequest("invalid_bank", "%s", inv.Msg)
	case errors.As(err, &ce):
		return api.BadRequest("bank_check_failed", "%s", ce.Msg)
	case errors.Is(err, store.ErrNotFound):
		return api.Errorf(http.StatusNotFound, "bank_not_found", "No bank with that bank_id exists in this project.")
	case errors.Is(err, store.ErrAlreadyExists):
		return api.BadRequest("duplicate_issuer", "A bank with that issuer already exists in this project.")
	}
	return api.Internal(err)
}
