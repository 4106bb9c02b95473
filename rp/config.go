package rp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/signet-id/signet/oidc"
)

// AuthMethod is how the client authenticates to the PAR and token endpoints
// (RFC 7591 §2, RFC 8705 §2.1). The set is IDPartner's: no client_secret_post.
type AuthMethod string

// Supported client authentication methods.
const (
	// ClientSecretBasic sends HTTP Basic credentials (RFC 6749 §2.3.1); the
	// sandbox method.
	ClientSecretBasic AuthMethod = oidc.AuthClientSecretBasic
	// TLSClientAuth authenticates with the TLS client certificate
	// (RFC 8705 §2.1) and uses the OP's mtls_endpoint_aliases; the
	// production method.
	TLSClientAuth AuthMethod = oidc.AuthTLSClient
	// PrivateKeyJWT signs a PS256 client assertion with [Config.Keys]
	// (OIDC Core §9). Kept for compatibility with older registrations.
	PrivateKeyJWT AuthMethod = oidc.AuthPrivateKeyJWT
)

// DefaultTimeout bounds each HTTP request to the OP when [Config.Timeout] is
// zero; it is the Node client's default.
const DefaultTimeout = 3500 * time.Millisecond

// discoveryTTL is how long discovery documents and JWK sets are reused.
const discoveryTTL = 5 * time.Minute

// clockSkew is the only leeway given to exp, nbf and iat: tokens are
// accepted until 10 s after exp and from 10 s before nbf/iat. It absorbs
// small clock differences without stretching the OP's short lifetimes
// (JARM 120 s, ID token 60 s at IDPartner) noticeably.
const clockSkew = 10 * time.Second

// Secret is a client secret. It never prints: fmt shows "[redacted]".
type Secret string

// String returns "[redacted]".
func (Secret) String() string { return "[redacted]" }

// GoString keeps the secret out of %#v output.
func (Secret) GoString() string { return `rp.Secret("[redacted]")` }

// Config describes one registered client. Only ClientID and RedirectURL are
// always required; see each field.
type Config struct {
	ClientID string
	// RedirectURL is the registered redirect URI the OP sends the browser
	// back to (IDPartner's "Redirect URL").
	RedirectURL string
	// Scopes are requested by [Bank.PushAuthorization] (unless a call
	// passes [WithScopes]) and sent to the account selector by
	// [Client.SelectorURL]; IDPartner's include "openid".
	Scopes []string
	// AuthMethod defaults to ClientSecretBasic.
	AuthMethod AuthMethod
	// ClientSecret is required for ClientSecretBasic and unused otherwise.
	ClientSecret Secret

	// TLSCertificate is the client certificate presented on every TLS
	// connection the OP asks for one; required for TLSClientAuth.
	TLSCertificate *tls.Certificate
	// RootCAs verifies the OP's TLS certificates; nil means the system pool.
	RootCAs *x509.CertPool

	// Keys is the client's private JWK set ([ParsePrivateJWKS]). With keys the
	// client signs PS256 request objects and requires the JARM and ID token
	// to be encrypted to its key (RSA-OAEP, A256CBC-HS512); PrivateKeyJWT
	// needs them. Without keys, PAR carries plain parameters and responses
	// must be signed but not encrypted.
	Keys *PrivateKeys

	// AccountSelectorURL is the account selector [Client.SelectorURL] points at.
	AccountSelectorURL string
	// AllowedIssuers, when not empty, is the only set of issuers the client
	// talks to. The issuer arrives in a browser query parameter, so without
	// a list any URL can make the client fetch its discovery document.
	AllowedIssuers []string
	// InsecureAllowHTTP permits http:// issuers on hosts other than
	// localhost and loopback addresses.
	InsecureAllowHTTP bool

	// Timeout bounds each HTTP request; zero means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient, when set, is used as is: the caller is responsible for its
	// TLS configuration (client certificate, roots). When nil the client
	// builds one from TLSCertificate and RootCAs that never follows
	// redirects, so credentials are not replayed to another host.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Client is a relying party for bank OPs (IDPartner's protocol: PAR, signed
// request objects, JARM, PKCE, mTLS). It is safe for concurrent use and
// caches discovery documents and JWK sets per issuer.
type Client struct {
	cfg     Config
	http    *http.Client
	timeout time.Duration

	mu        sync.Mutex
	providers map[string]*provider
}

// New checks cfg and returns a [Client].
func New(cfg Config) (*Client, error) {
	if cfg.AuthMethod == "" {
		cfg.AuthMethod = ClientSecretBasic
	}
	var errs []error
	if cfg.ClientID == "" {
		errs = append(errs, errors.New("ClientID is required"))
	}
	if u, err := url.Parse(cfg.RedirectURL); cfg.RedirectURL == "" || err != nil || !u.IsAbs() || u.Fragment != "" {
		errs = append(errs, errors.New("RedirectURL must be an absolute URL without fragment"))
	}
	switch cfg.AuthMethod {
	case ClientSecretBasic:
		if cfg.ClientSecret == "" {
			errs = append(errs, errors.New("client_secret_basic needs ClientSecret"))
		}
	case TLSClientAuth:
		if cfg.TLSCertificate == nil && cfg.HTTPClient == nil {
			errs = append(errs, errors.New("tls_client_auth needs TLSCertificate (or an HTTPClient that presents one)"))
		}
	case PrivateKeyJWT:
		if cfg.Keys == nil {
			errs = append(errs, errors.New("private_key_jwt needs Keys"))
		}
	default:
		errs = append(errs, errors.New("AuthMethod must be client_secret_basic, tls_client_auth or private_key_jwt"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(append([]error{errors.New("rp: invalid Config")}, errs...)...)
	}
	c := &Client{cfg: cfg, http: cfg.HTTPClient, timeout: cfg.Timeout, providers: map[string]*provider{}}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.http == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
		if cfg.TLSCertificate != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{*cfg.TLSCertificate}
		}
		c.http = &http.Client{
			Transport:     tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return c, nil
}

func (c *Client) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return time.Now()
}

// LoadTLS parses a PEM client certificate chain and key and, when caPEM is
// not empty, a pool of CA certificates that verify the OP's server
// certificates. The results fill [Config.TLSCertificate] and [Config.RootCAs].
func LoadTLS(certPEM, keyPEM, caPEM []byte) (*tls.Certificate, *x509.CertPool, error) {
	var cert *tls.Certificate
	if len(certPEM) > 0 || len(keyPEM) > 0 {
		c, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, nil, errors.New("rp: invalid TLS client certificate or key")
		}
		cert = &c
	}
	var pool *x509.CertPool
	if len(caPEM) > 0 {
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, nil, errors.New("rp: no CA certificate in PEM")
		}
	}
	return cert, pool, nil
}
