package apps

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// RegistrationStore is what dynamic client registration reads and writes.
type RegistrationStore interface {
	Project(ctx context.Context, id string) (store.Project, error)
	RegistrationTokenByHash(ctx context.Context, hash []byte, now time.Time) (store.RegistrationToken, error)
	RegisterConnectedApp(ctx context.Context, c store.ConnectedApp, r store.ClientRegistration, tokenID string, now time.Time) error
	ClientRegistration(ctx context.Context, clientID string) (store.ClientRegistration, error)
	ConnectedApp(ctx context.Context, projectID, clientID string) (store.ConnectedApp, error)
	UpdateConnectedApp(ctx context.Context, projectID, clientID string, fn func(*store.ConnectedApp) error) (store.ConnectedApp, error)
	DeleteConnectedApp(ctx context.Context, projectID, clientID string) error
}

// Registration serves OAuth 2.0 Dynamic Client Registration (RFC 7591)
// and its management protocol (RFC 7592) for Connected Apps: a client
// registered here is a third-party Connected App like any other, validated
// by the same rules as the management API's (checkConnectedApp) and
// managed by both.
//
//	POST   /v1/oauth2/register                          register; the initial access token names the project
//	POST   /v1/public/{project_id}/oauth2/register      register with the project's token, or none if it allows open registration
//	GET    /v1/oauth2/register/{client_id}              read the registration (RFC 7592 §2.1)
//	PUT    /v1/oauth2/register/{client_id}              replace its metadata (RFC 7592 §2.2)
//	DELETE /v1/oauth2/register/{client_id}              delete the client (RFC 7592 §2.3)
//
// Registering takes an initial access token (RFC 7591 §3, made by
// RegistrationTokens or signet clients registration-token create) as a
// Bearer token, unless the project allows open registration. The client
// configuration endpoint takes the registration access token returned at
// registration (RFC 7592 §3). Both tokens are stored only as their hashes.
type Registration struct {
	Issuer string
	Store  RegistrationStore
	Cache  Forgetter // told about every change (ConnectedClients is one)
	Pepper secrets.Pepper
	// Keys, if set, makes the keys of the signing algorithms a client
	// registers, as Connected.Keys does.
	Keys KeyMaker
	// Scopes are the scope values a client's scope metadata may name.
	Scopes []string
	Audit  *audit.Log       // nil: none
	Now    func() time.Time // default time.Now
	// OpenLimit bounds registrations without an initial access token (open
	// registration, which writes for anyone) per client address, as
	// ClientIP finds it (nil: no bound; banks.NewMemoryLimiter is one).
	OpenLimit Limiter
	ClientIP  clientip.Resolver
}

// Limiter allows or refuses one more write for a key (a client address).
type Limiter interface {
	Allow(ctx context.Context, key string) bool
}

// RegistrationPath is the registration endpoint of the discovery document.
const RegistrationPath = "/v1/oauth2/register"

// ProjectRegistrationPath is the registration endpoint of a project's
// discovery document, where open registration, if the project allows it,
// knows which project a client joins.
func ProjectRegistrationPath(projectID string) string {
	return "/v1/public/" + projectID + "/oauth2/register"
}

// maxRegistrationBody bounds a registration request: the metadata with a
// JWK Set and a software statement of at most 16 KiB each.
const maxRegistrationBody = 64 << 10

// creationMethodRegistration is the audit log's name for clients made here.
const creationMethodRegistration = "dynamic_client_registration"

// Mount registers the routes on mux.
func (h *Registration) Mount(mux api.Router) {
	if h.Now == nil {
		h.Now = time.Now
	}
	mux.Handle("POST "+RegistrationPath, oauthHandler(h.register))
	mux.Handle("POST /v1/public/{project_id}/oauth2/register", oauthHandler(h.register))
	mux.Handle("GET "+RegistrationPath+"/{client_id}", oauthHandler(h.read))
	mux.Handle("PUT "+RegistrationPath+"/{client_id}", oauthHandler(h.replace))
	mux.Handle("DELETE "+RegistrationPath+"/{client_id}", oauthHandler(h.delete))
}

// oauthHandler writes the error of h as OAuth error JSON.
func oauthHandler(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			api.WriteOAuthError(w, r, err)
		}
	})
}

// errToken is every refused initial or registration access token (RFC
// 6750 §3.1, RFC 7592 §2.1): 401 invalid_token with a Bearer challenge.
func errToken(desc string) *oidc.Error { return oidc.NewError(oidc.InvalidToken, desc) }

// bearer reads the Bearer token of r (RFC 6750 §2.1), "" if there is none.
func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", nil
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || !isVisibleASCII(tok) {
		return "", errToken("The Authorization header is not a Bearer token.")
	}
	return tok, nil
}

// readObject reads a JSON object body (RFC 7591 §3.1), bounded.
func readObject(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil, oidc.NewError(oidc.InvalidRequest, "Content-Type must be application/json (RFC 7591 section 3.1).")
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRegistrationBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &oidc.Error{Code: oidc.InvalidRequest, Description: "The request body is larger than 64 KiB.",
				Status: http.StatusRequestEntityTooLarge}
		}
		return nil, oidc.NewError(oidc.InvalidRequest, "The request body could not be read.")
	}
	if !api.ValidJSONText(b) {
		return nil, oidc.NewError(oidc.InvalidRequest, "The request body holds a string that is not valid UTF-8, or a NUL.")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		return nil, oidc.NewError(oidc.InvalidClientMetadata, "The request body must be a JSON object of client metadata (RFC 7591 section 3.1).")
	}
	return obj, nil
}

// withStatement applies the software statement of obj, if any: its
// claims replace the request's (RFC 7591 §3.1.1). It returns the
// statement, to be returned unmodified (§3.2.1).
func withStatement(obj map[string]json.RawMessage, p store.Project, now time.Time) (string, error) {
	raw, ok := obj["software_statement"]
	if !ok {
		return "", nil
	}
	var statement string
	if err := json.Unmarshal(raw, &statement); err != nil || statement == "" {
		return "", oidc.NewError(oidc.InvalidSoftwareStatement, "software_statement must be a JWT, as a string.")
	}
	claims, err := softwareStatementClaims(statement, p.Registration.SoftwareStatementKeys, now)
	if err != nil {
		return "", err
	}
	for k, v := range claims {
		obj[k] = v
	}
	return statement, nil
}

// admit finds the project a registration joins and the initial access
// token it uses ("" for open registration).
func (h *Registration) admit(r *http.Request, now time.Time) (store.Project, string, error) {
	ctx := r.Context()
	tok, err := bearer(r)
	if err != nil {
		return store.Project{}, "", err
	}
	projectID := r.PathValue("project_id")
	tokenID := ""
	if tok != "" {
		t, err := h.Store.RegistrationTokenByHash(ctx, h.Pepper.Hash(tok), now)
		if errors.Is(err, store.ErrNotFound) || (err == nil && projectID != "" && t.ProjectID != projectID) {
			return store.Project{}, "", errToken("The initial access token is unknown, expired or used up.")
		}
		if err != nil {
			return store.Project{}, "", err
		}
		projectID, tokenID = t.ProjectID, t.ID
	}
	if projectID == "" {
		return store.Project{}, "", errToken("Registration needs an initial access token.")
	}
	p, err := h.Store.Project(ctx, projectID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Project{}, "", errToken("Registration needs an initial access token.")
	}
	if err != nil {
		return store.Project{}, "", err
	}
	// RFC 7591 §3: without a token, only if the project allows it.
	if tokenID == "" && !p.Registration.Open {
		return store.Project{}, "", errToken("This project takes registrations with an initial access token only.")
	}
	if tokenID == "" && h.OpenLimit != nil && !h.OpenLimit.Allow(ctx, clientip.Key(h.ClientIP.Addr(r))) {
		return store.Project{}, "", &oidc.Error{Code: oidc.InvalidRequest, Status: http.StatusTooManyRequests,
			Description: "Too many registrations from this address; retry later."}
	}
	return p, tokenID, nil
}

// metadata reads the request's metadata, its software statement applied,
// and checks the rules of registration itself.
func (h *Registration) metadata(w http.ResponseWriter, r *http.Request, p store.Project, now time.Time) (registrationMetadata, string, error) {
	obj, err := readObject(w, r)
	if err != nil {
		return registrationMetadata{}, "", err
	}
	statement, err := withStatement(obj, p, now)
	if err != nil {
		return registrationMetadata{}, "", err
	}
	m, err := decodeMetadata(obj)
	if err != nil {
		return m, "", err
	}
	if err := m.check(h.Scopes); err != nil {
		return m, "", err
	}
	return m, statement, nil
}

func (h *Registration) clientURI(clientID string) string {
	return strings.TrimRight(h.Issuer, "/") + RegistrationPath + "/" + clientID
}

// register is RFC 7591 §3.1: a client from the metadata, 201 with its
// client information (§3.2.1) and RFC 7592 registration access token.
func (h *Registration) register(w http.ResponseWriter, r *http.Request) error {
	now := store.Now(h.Now)
	p, tokenID, err := h.admit(r, now)
	if err != nil {
		return err
	}
	api.NoteProject(r.Context(), p.ID)
	m, statement, err := h.metadata(w, r, p, now)
	if err != nil {
		return err
	}
	c := store.ConnectedApp{
		ClientID:                 "connected-app-test-" + uuid.NewString(),
		ProjectID:                p.ID,
		Type:                     m.clientType(),
		Status:                   statusActive,
		AccessTokenExpiryMinutes: DefaultAccessTokenExpiryMinutes,
		CreatedAt:                now,
		UpdatedAt:                now,
	}
	m.settings().apply(&c)
	if err := checkConnectedApp(c); err != nil {
		return registrationError(err)
	}
	if err := ensureKeys(r.Context(), h.Keys, c); err != nil {
		return err
	}
	var secret string
	if !IsPublic(c) {
		secret = secrets.New("")
		c.SecretHash, c.SecretLastFour = h.Pepper.Hash(secret), secrets.LastFour(secret)
	}
	access := secrets.New("")
	reg := store.ClientRegistration{ClientID: c.ClientID, ProjectID: p.ID, AccessTokenHash: h.Pepper.Hash(access), CreatedAt: now}
	if err := h.Store.RegisterConnectedApp(r.Context(), c, reg, tokenID, now); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			// Spent or expired since admit read it.
			return errToken("The initial access token is unknown, expired or used up.")
		}
		return err
	}
	h.Audit.Record(r.Context(), audit.Event{ProjectID: p.ID, Type: audit.ConnectedAppCreate, Subject: c.ClientID,
		Outcome: audit.Success, Details: map[string]string{"client_type": c.Type, "creation_method": creationMethodRegistration}})
	info := information(c, h.clientURI(c.ClientID), access)
	info.ClientSecret, info.SoftwareStatement = secret, statement
	return writeInformation(w, http.StatusCreated, info)
}

// managed authenticates a request to the client configuration endpoint
// (RFC 7592 §3): the client named in the path, with the registration
// access token the request presents. Every refusal, an unknown client
// included, is 401 invalid_token (§2.1, §2.2, §2.3).
func (h *Registration) managed(r *http.Request) (store.ConnectedApp, string, error) {
	tok, err := bearer(r)
	if err != nil {
		return store.ConnectedApp{}, "", err
	}
	refused := errToken("The registration access token is not this client's.")
	if tok == "" {
		return store.ConnectedApp{}, "", refused
	}
	id := r.PathValue("client_id")
	reg, err := h.Store.ClientRegistration(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return store.ConnectedApp{}, "", refused
	}
	if err != nil {
		return store.ConnectedApp{}, "", err
	}
	if !h.Pepper.Equal(reg.AccessTokenHash, tok) {
		return store.ConnectedApp{}, "", refused
	}
	c, err := h.Store.ConnectedApp(r.Context(), reg.ProjectID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.ConnectedApp{}, "", refused
	}
	if err != nil {
		return store.ConnectedApp{}, "", err
	}
	api.NoteProject(r.Context(), c.ProjectID)
	return c, tok, nil
}

// read is RFC 7592 §2.1. The registration access token is the one
// presented: stored only as its hash, it is returned as the client holds it.
func (h *Registration) read(w http.ResponseWriter, r *http.Request) error {
	c, tok, err := h.managed(r)
	if err != nil {
		return err
	}
	return writeInformation(w, http.StatusOK, information(c, h.clientURI(c.ClientID), tok))
}

// replace is RFC 7592 §2.2: the request's metadata replaces the client's
// (an omitted field is deleted), checked as a registration is. The
// fields registration does not set (description, token lifetimes and
// templates, the operator's trust anchors) stay as they are.
func (h *Registration) replace(w http.ResponseWriter, r *http.Request) error {
	c, tok, err := h.managed(r)
	if err != nil {
		return err
	}
	now := store.Now(h.Now)
	p, err := h.Store.Project(r.Context(), c.ProjectID)
	if err != nil {
		return err
	}
	m, _, err := h.metadata(w, r, p, now)
	if err != nil {
		return err
	}
	switch {
	case m.ClientID != c.ClientID:
		return oidc.NewError(oidc.InvalidClientMetadata, "client_id must be the client's own (RFC 7592 section 2.2).")
	case m.ClientSecret != "" && (len(c.SecretHash) == 0 || !h.Pepper.Equal(c.SecretHash, m.ClientSecret)):
		// §2.2: a client_secret sent must be the client's; it cannot
		// choose a new one.
		return oidc.NewError(oidc.InvalidClientMetadata, "client_secret is not the client's secret (RFC 7592 section 2.2).")
	case m.clientType() != c.Type:
		return oidc.NewError(oidc.InvalidClientMetadata, "token_endpoint_auth_method cannot change between none and a method of a confidential client: register a new client.")
	}
	updated, err := h.Store.UpdateConnectedApp(r.Context(), c.ProjectID, c.ClientID, func(c *store.ConnectedApp) error {
		m.settings().apply(c)
		c.UpdatedAt = now
		return checkConnectedApp(*c)
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errToken("The registration access token is not this client's.")
		}
		return registrationError(err)
	}
	h.Cache.Forget(c.ClientID)
	if err := ensureKeys(r.Context(), h.Keys, updated); err != nil {
		return err
	}
	return writeInformation(w, http.StatusOK, information(updated, h.clientURI(c.ClientID), tok))
}

// delete is RFC 7592 §2.3: the client goes, with what its users granted
// it, as the management API deletes it; 204.
func (h *Registration) delete(w http.ResponseWriter, r *http.Request) error {
	c, _, err := h.managed(r)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteConnectedApp(r.Context(), c.ProjectID, c.ClientID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errToken("The registration access token is not this client's.")
		}
		return err
	}
	h.Cache.Forget(c.ClientID)
	h.Audit.Record(r.Context(), audit.Event{ProjectID: c.ProjectID, Type: audit.ConnectedAppDelete, Subject: c.ClientID,
		Outcome: audit.Success, Details: map[string]string{"creation_method": creationMethodRegistration}})
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeInformation writes a client information response: never cached,
// for it carries credentials (RFC 7591 §3.2.1, RFC 7592 §3).
func writeInformation(w http.ResponseWriter, status int, info clientInformation) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	api.WriteRawNoStore(w, status, b)
	return nil
}
