package authorize

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/clientauth"
	"github.com/signet-id/signet/internal/dpop"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// PushedRequests stores and uses pushed authorization requests
// (store.PushedRequests).
type PushedRequests interface {
	CreatePushedRequest(ctx context.Context, r store.PushedRequest) error
	OpenPushedRequest(ctx context.Context, hash []byte, now time.Time, hold time.Duration) (store.PushedRequest, error)
	CompletePushedRequest(ctx context.Context, hash []byte, now time.Time) error
}

// pushedHold is how long a pushed request stays open once the
// authorization endpoint has shown it, from its latest showing: the
// sign-in, the bank and the consent all happen within it, and a reload or
// Back finds the request again. Its one use is spent when the
// authorization completes (RFC 9126 §4 lets a server allow reloads).
const pushedHold = 30 * time.Minute

// PAR serves the pushed authorization request endpoint (RFC 9126):
//
//	POST /oauth2/par   push an authorization request, get a request_uri
//
// The client authenticates as at the token endpoint (package clientauth);
// the request is validated in full by the same code as one sent to the
// authorization endpoint, then kept for TTL (60 s) and used once.
type PAR struct {
	Core       *Authorizer
	ClientAuth *clientauth.Authenticator
	// DPoP checks a proof sent with the push (RFC 9449 §10.1); nil: none
	// is read.
	DPoP *dpop.Checker
	// MTLSBaseURL is the mutual-TLS listener's base URL, or "": a proof's
	// htu may name the endpoint there too.
	MTLSBaseURL string
	// TTL is the life of a request_uri (default DefaultPARTTL).
	TTL time.Duration
}

// PARPath is the path of the PAR endpoint, for the discovery document.
const PARPath = "/oauth2/par"

// DefaultPARTTL is what bank OPs answer (expires_in 60, idpartner-protocol
// §5); FAPI 2.0 clients expect a short life.
const DefaultPARTTL = 60 * time.Second

// requestURIPrefix is the URN namespace of RFC 9126 §2.2.
const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// Mount registers the route on mux.
func (h *PAR) Mount(mux api.Router) {
	if h.TTL == 0 {
		h.TTL = DefaultPARTTL
	}
	mux.HandleFunc("POST "+PARPath, h.push)
}

// clientAuthParams are form fields of client authentication, not of the
// authorization request.
var clientAuthParams = []string{"client_secret", "client_assertion", "client_assertion_type"}

type parResponse struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int    `json:"expires_in"`
}

func (h *PAR) push(w http.ResponseWriter, r *http.Request) {
	if err := api.ReadForm(w, r, maxForm); err != nil {
		desc := "The request body is not a form."
		if errors.Is(err, api.ErrNotText) {
			desc = "The request holds text that is not valid UTF-8, or a NUL."
		}
		api.WriteOAuthError(w, r, oidc.NewError(oidc.InvalidRequest, desc))
		return
	}
	form := r.PostForm // RFC 9126 §2.1: parameters in the body only
	ctx := r.Context()
	res, err := h.ClientAuth.Authenticate(r, form, h.Core.Issuer, h.Core.Issuer+PARPath)
	if err != nil {
		api.WriteOAuthError(w, r, err)
		return
	}
	params := url.Values{}
	for k, v := range form {
		params[k] = v
	}
	for _, k := range clientAuthParams {
		delete(params, k)
	}
	if apps.RulesOf(res.Client).RequireSignedRequestObject && !params.Has("request") {
		// RFC 9101 §10.5: this client's requests are signed request
		// objects, never plain parameters (FAPI 2.0 Message Signing §5.3.1).
		api.WriteOAuthError(w, r, oidc.NewError(oidc.InvalidRequest, "This application must push a signed request object (the request parameter), not plain parameters."))
		return
	}
	if params.Has("request") {
		// RFC 9126 §3: a request object carries the whole request; the
		// parameters outside it are ignored (RFC 9101 §6.3).
		obj, err := h.Core.requestObject(ctx, res.Client, params.Get("request"))
		if err != nil {
			api.WriteOAuthError(w, r, err)
			return
		}
		if id := params.Get("client_id"); id != "" && id != res.Client.ClientID {
			api.WriteOAuthError(w, r, oidc.NewError(oidc.InvalidRequest, "client_id does not name the authenticated client."))
			return
		}
		params = obj
	}
	if err := h.bindDPoP(r, params); err != nil {
		api.WriteOAuthError(w, r, err)
		return
	}
	switch {
	case params.Has("request_uri"):
		// RFC 9126 §2.1: a pushed request must not itself point elsewhere.
		api.WriteOAuthError(w, r, oidc.NewError(oidc.InvalidRequest, "request_uri must not be sent to the PAR endpoint."))
		return
	case params.Get("client_id") == "":
		params.Set("client_id", res.Client.ClientID)
	case params.Get("client_id") != res.Client.ClientID:
		api.WriteOAuthError(w, r, oidc.NewError(oidc.InvalidRequest, "client_id does not name the authenticated client."))
		return
	}
	req, err := h.Core.parse(ctx, params)
	if err != nil {
		var ce *clientError
		if errors.As(err, &ce) {
			err = oidc.NewError(oidc.InvalidRequest, fmtDescription("%s", ce.Message))
		}
		api.WriteOAuthError(w, r, err)
		return
	}
	flat := make(map[string]string, len(req.carried))
	for k := range req.carried {
		flat[k] = req.carried.Get(k)
	}
	stored, _ := json.Marshal(flat) // a map of strings always marshals
	// 256 bits: far above RFC 9126 §7.1's and FAPI's 96-bit floor.
	uri := requestURIPrefix + secrets.New("")
	now := store.Now(h.Core.Now)
	if err := h.Core.Pushed.CreatePushedRequest(ctx, store.PushedRequest{
		Hash: requestURIHash(uri), ProjectID: res.Client.ProjectID, ClientID: res.Client.ClientID,
		Params: stored, CreatedAt: now, ExpiresAt: now.Add(h.TTL),
	}); err != nil {
		api.WriteOAuthError(w, r, oidc.Errorf(oidc.ServerError, "The request could not be stored.", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(parResponse{RequestURI: uri, ExpiresIn: int(h.TTL / time.Second)}) // a failed write is a client gone
}

// bindDPoP binds the pushed request's code to the key of a DPoP proof
// sent with the push (RFC 9449 §10.1): dpop_jkt becomes its thumbprint,
// and a dpop_jkt naming another key is refused.
func (h *PAR) bindDPoP(r *http.Request, params url.Values) error {
	if h.DPoP == nil || !dpop.Present(r) {
		return nil
	}
	urls := []string{h.Core.Issuer + PARPath}
	if h.MTLSBaseURL != "" {
		urls = append(urls, h.MTLSBaseURL+PARPath)
	}
	p, err := h.DPoP.Check(r.Context(), r, dpop.Request{Method: http.MethodPost, URLs: urls})
	if err != nil {
		return err
	}
	if jkt := params.Get("dpop_jkt"); jkt != "" && jkt != p.JKT {
		return oidc.NewError(oidc.InvalidDPoPProof, "dpop_jkt is not the thumbprint of the DPoP proof's key (RFC 9449 section 10.1).")
	}
	params.Set("dpop_jkt", p.JKT)
	return nil
}

// requestURIHash is what the store keeps: a request_uri is a bearer
// credential for 60 s, so a database read does not hand it out.
func requestURIHash(uri string) []byte {
	s := sha256.Sum256([]byte(uri))
	return s[:]
}

// resolve turns the parameters of a request to the authorization endpoint
// into the ones to validate: with request_uri, those pushed to the PAR
// endpoint (the outside ones are ignored except client_id, which must
// agree, and a prompt of login, which can only ask for more); without,
// the ones given, unless the client must use PAR (RFC 9126 §6). uri is
// the pushed request's request_uri, or "".
//
// A pushed request is opened, not used: its one use (RFC 9126 §4) is
// spent when the authorization completes (Hosted.complete), so a reload
// of the sign-in page or Back to it shows it again. Failures are
// *clientError or *finishedError: with no trusted redirect_uri they go to
// an error page.
func (a *Authorizer) resolve(ctx context.Context, params url.Values) (out url.Values, uri string, err error) {
	uri = params.Get("request_uri")
	if uri == "" || len(params["request_uri"]) > 1 {
		out, err = a.resolveUnpushed(ctx, params)
		return out, "", err
	}
	if a.Pushed == nil || !strings.HasPrefix(uri, requestURIPrefix) {
		// Not a PAR request_uri: RFC 9101 request_uri by reference, which
		// check refuses with request_uri_not_supported at the redirect_uri.
		return params, "", nil
	}
	pr, err := a.Pushed.OpenPushedRequest(ctx, requestURIHash(uri), store.Now(a.Now), pushedHold)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, "", &clientError{string(oidc.InvalidRequestURI), "The request_uri is unknown or expired."}
	case errors.Is(err, store.ErrAlreadyUsed):
		return nil, "", a.finished(ctx, pr.ClientID)
	case err != nil:
		return nil, "", err
	}
	if id := params.Get("client_id"); id != "" && id != pr.ClientID {
		return nil, "", &clientError{string(oidc.InvalidRequestURI), "The request_uri was pushed by another application."}
	}
	var flat map[string]string
	if err := json.Unmarshal(pr.Params, &flat); err != nil {
		return nil, "", err
	}
	out = url.Values{}
	for k, v := range flat {
		out.Set(k, v)
	}
	// "Use another account" asks the same pushed request again with
	// prompt=login: a fresh sign-in can only narrow what is granted.
	if slices.Contains(strings.Fields(params.Get("prompt")), "login") {
		p := strings.Fields(out.Get("prompt"))
		if !slices.Contains(p, "login") && !slices.Contains(p, "none") {
			out.Set("prompt", strings.Join(append(p, "login"), " "))
		}
	}
	return out, uri, nil
}

// resolveUnpushed is resolve without a request_uri: the parameters given,
// or those of the request object, unless the client must use PAR.
func (a *Authorizer) resolveUnpushed(ctx context.Context, params url.Values) (url.Values, error) {
	id := params.Get("client_id")
	if id == "" || len(params["client_id"]) > 1 || len(params["request"]) > 1 {
		return params, nil // parse refuses it
	}
	c, err := a.Clients.Lookup(ctx, id)
	if err != nil {
		return params, nil // parse tells why
	}
	rules := apps.RulesOf(c)
	if rules.RequirePAR && a.Pushed != nil {
		return nil, &clientError{string(oidc.InvalidRequest), "This application must push its authorization requests to the PAR endpoint first."}
	}
	if rules.RequireSignedRequestObject && !params.Has("request") {
		// RFC 9101 §10.5: the plain parameters, redirect_uri included,
		// are not to be trusted, so no redirect.
		return nil, &clientError{string(oidc.InvalidRequest), "This application must send its authorization requests as signed request objects."}
	}
	// A client without keys cannot sign one: check refuses the
	// request parameter with request_not_supported at its redirect_uri.
	if params.Has("request") && a.ClientKeys != nil && (c.JWKS != nil || c.JWKSURI != "") {
		obj, err := a.requestObject(ctx, c, params.Get("request"))
		if err != nil {
			var oe *oidc.Error
			if errors.As(err, &oe) {
				return nil, &clientError{string(oe.Code), oe.Description}
			}
			return nil, err
		}
		return obj, nil
	}
	return params, nil
}
