package clientauth

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Clients finds Connected Apps by client_id and checks their secrets
// (*apps.ConnectedClients).
type Clients interface {
	Lookup(ctx context.Context, clientID string) (store.ConnectedApp, error)
	Authenticate(app store.ConnectedApp, secret string) bool
}

// JTIs remembers used JWT IDs (store.PushedRequests.UseJTI).
type JTIs interface {
	UseJTI(ctx context.Context, clientID, jti string, exp time.Time) error
}

// Authenticator authenticates clients. Its fields are its dependencies.
type Authenticator struct {
	Clients Clients
	JTIs    JTIs
	Keys    *KeySets
	// Anchors are the trust anchors of PKI tls_client_auth; without them
	// no such client authenticates.
	Anchors *TrustAnchors
	Now     func() time.Time // default time.Now
}

// Result is an authenticated client.
type Result struct {
	Client store.ConnectedApp
	// Method is the oidc.Auth* method it authenticated with.
	Method string
	// Certificate is the TLS client certificate the request came with,
	// if any: the one to bind access tokens to (RFC 8705 §3) when the
	// client asked for tls_client_certificate_bound_access_tokens.
	Certificate *x509.Certificate
}

// AssertionType is the client_assertion_type of private_key_jwt (RFC 7523 §2.2).
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// errBadClient is every failed authentication: RFC 6749 §5.2
// invalid_client (401). The description does not say what was wrong, so
// probing cannot tell unknown clients from wrong credentials; the cause
// is kept for the log.
func errBadClient(cause string) error {
	return oidc.Errorf(oidc.InvalidClient, "Client authentication failed.", errors.New("clientauth: "+cause))
}

func invalidRequest(desc string) error { return oidc.NewError(oidc.InvalidRequest, desc) }

// Authenticate establishes which client sent r, whose parsed form body is
// form. audiences are what a client assertion's aud may name: the
// issuer first, then the URLs of the endpoint (RFC 7523 §3 item 3); a
// client whose profile wants the issuer alone gets only the first. Errors are
// *oidc.Error.
//
// Exactly one method may be used (RFC 6749 §2.3): credentials both in the
// Authorization header and in the body are refused.
func (a *Authenticator) Authenticate(r *http.Request, form url.Values, audiences ...string) (Result, error) {
	ctx := r.Context()
	var (
		cert  *x509.Certificate
		chain []*x509.Certificate // what the client sent after its certificate
	)
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		cert, chain = r.TLS.PeerCertificates[0], r.TLS.PeerCertificates[1:]
	}
	basicID, basicSecret, basic, err := basicAuth(r)
	if err != nil {
		return Result{}, err
	}
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	assertionType, assertion := form.Get("client_assertion_type"), form.Get("client_assertion")

	var (
		method string
		app    store.ConnectedApp
	)
	switch {
	case assertionType != "" || assertion != "":
		method = oidc.AuthPrivateKeyJWT
		if app, err = a.byAssertion(ctx, assertionType, assertion, clientID, basic || secret != "", audiences); err != nil {
			return Result{}, err
		}
	case basic:
		if secret != "" {
			return Result{}, invalidRequest("Client credentials were sent both in the Authorization header and in the body; use one.")
		}
		if clientID != "" && clientID != basicID {
			return Result{}, invalidRequest("The client_id parameter does not match the Authorization header.")
		}
		if app, method, err = a.basic(ctx, basicID, basicSecret); err != nil {
			return Result{}, err
		}
	case secret != "":
		if app, err = a.lookup(ctx, clientID); err != nil {
			return Result{}, err
		}
		method = oidc.AuthClientSecretPost
		if !a.Clients.Authenticate(app, secret) {
			return Result{}, errBadClient("wrong secret (post)")
		}
	default:
		if app, method, err = a.withoutSecret(ctx, clientID, cert, chain); err != nil {
			return Result{}, err
		}
	}
	// A client registered for one method may use no other (RFC 7591 §2).
	if !methodAllowed(app, method) {
		return Result{}, errBadClient("method " + method + " not registered (" + app.TokenEndpointAuthMethod + ")")
	}
	if app.Status != "active" {
		return Result{}, oidc.NewError(oidc.InvalidClient, "The client is inactive.")
	}
	return Result{Client: app, Method: method, Certificate: cert}, nil
}

// byAssertion authenticates a client by its client assertion (RFC 7523
// §2.2), which must be its only credential: other says there is another.
func (a *Authenticator) byAssertion(ctx context.Context, assertionType, assertion, clientID string, other bool, audiences []string) (store.ConnectedApp, error) {
	if other {
		return store.ConnectedApp{}, invalidRequest("Use one client authentication method, not several (RFC 6749 §2.3).")
	}
	if assertionType != AssertionType || assertion == "" {
		return store.ConnectedApp{}, invalidRequest("client_assertion_type must be " + AssertionType + " and client_assertion a JWT.")
	}
	return a.verifyAssertion(ctx, assertion, clientID, audiences)
}

// basic authenticates the client of an HTTP Basic header.
func (a *Authenticator) basic(ctx context.Context, id, secret string) (store.ConnectedApp, string, error) {
	app, err := a.lookup(ctx, id)
	if err != nil {
		return app, "", err
	}
	// A public client sent through Basic with an empty password (as
	// golang.org/x/oauth2 does) is authenticating with none.
	if apps.IsPublic(app) && secret == "" {
		return app, oidc.AuthNone, nil
	}
	if !a.Clients.Authenticate(app, secret) {
		return app, "", errBadClient("wrong secret (basic)")
	}
	return app, oidc.AuthClientSecretBasic, nil
}

// withoutSecret authenticates a client that sent neither a secret nor an
// assertion: by its certificate (tls_client_auth or
// self_signed_tls_client_auth, RFC 8705 §2), or as a public client.
func (a *Authenticator) withoutSecret(ctx context.Context, id string, cert *x509.Certificate, chain []*x509.Certificate) (store.ConnectedApp, string, error) {
	app, err := a.lookup(ctx, id)
	if err != nil {
		return app, "", err
	}
	switch method := app.TokenEndpointAuthMethod; {
	case (method == oidc.AuthTLSClient || method == oidc.AuthSelfSignedTLSClient) && cert == nil:
		return app, "", errBadClient(method + " without a client certificate")
	case method == oidc.AuthTLSClient:
		// RFC 8705 §2.1: the chain first, then the registered name; a
		// certificate that merely copies the subject is not the client's.
		if a.Anchors == nil {
			return app, "", errBadClient("tls_client_auth without trust anchors")
		}
		if err := a.Anchors.verifyChain(ctx, app, cert, chain, a.now()); err != nil {
			return app, "", errBadClient("client certificate chain: " + err.Error())
		}
		if !CertificateMatches(app.ClientMetadata, cert) {
			return app, "", errBadClient("client certificate does not match the registered subject")
		}
		return app, oidc.AuthTLSClient, nil
	case method == oidc.AuthSelfSignedTLSClient:
		ok, err := a.selfSignedMatches(ctx, app, cert)
		switch {
		case errors.Is(err, ErrNoKeys):
			return app, "", errBadClient("self_signed_tls_client_auth client without keys")
		case err != nil:
			return app, "", oidc.Errorf(oidc.ServerError, "The client's keys could not be read.", err)
		case !ok:
			return app, "", errBadClient("client certificate is not one of the registered keys")
		}
		return app, oidc.AuthSelfSignedTLSClient, nil
	case apps.IsPublic(app):
		return app, oidc.AuthNone, nil
	default:
		return app, "", errBadClient("no credentials")
	}
}

// methodAllowed: a client that registered a method may use it alone; one
// that registered none (every Stytch-made client) may use what its type
// allows: none if public, either secret method if confidential.
func methodAllowed(app store.ConnectedApp, method string) bool {
	if app.TokenEndpointAuthMethod != "" {
		return method == app.TokenEndpointAuthMethod
	}
	if apps.IsPublic(app) {
		return method == oidc.AuthNone
	}
	return method == oidc.AuthClientSecretBasic || method == oidc.AuthClientSecretPost
}

func (a *Authenticator) lookup(ctx context.Context, clientID string) (store.ConnectedApp, error) {
	if clientID == "" {
		return store.ConnectedApp{}, errBadClient("no client_id")
	}
	app, err := a.Clients.Lookup(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return store.ConnectedApp{}, errBadClient("unknown client")
	}
	if err != nil {
		return store.ConnectedApp{}, oidc.Errorf(oidc.ServerError, "The client could not be looked up.", err)
	}
	return app, nil
}

// basicAuth reads HTTP Basic client credentials. RFC 6749 §2.3.1: the
// client_id and secret are form-urlencoded before they are joined, so
// each half is URL-decoded.
func basicAuth(r *http.Request) (id, secret string, ok bool, err error) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		// A Basic header that does not decode is a failed attempt, not
		// the absence of one; other schemes are not client credentials.
		if h := r.Header.Get("Authorization"); len(h) >= 6 && strings.EqualFold(h[:6], "basic ") {
			return "", "", false, errBadClient("malformed Basic header")
		}
		return "", "", false, nil
	}
	if id, err = url.QueryUnescape(user); err != nil {
		return "", "", false, errBadClient("client_id not URL-encoded")
	}
	if secret, err = url.QueryUnescape(pass); err != nil {
		return "", "", false, errBadClient("secret not URL-encoded")
	}
	if !api.ValidText(id) || !api.ValidText(secret) {
		return "", "", false, errBadClient("client_id or secret not text")
	}
	return id, secret, true, nil
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
