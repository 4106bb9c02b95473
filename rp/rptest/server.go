package rptest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Failure makes the server misbehave in one way.
type Failure int

// The failures a relying party must detect.
const (
	NoFailure           Failure = iota
	ErrorJARM                   // the JARM carries error=access_denied
	WrongState                  // the JARM's state is not the request's
	WrongSigningKey             // the JARM is signed by a key not in the JWKS (same kid)
	ExpiredJARM                 // the JARM expired a minute ago
	WrongAudience               // the JARM's aud is another client
	UnencryptedResponse         // the JARM is signed but not encrypted
	UnencryptedIDToken          // the ID token is signed but not encrypted
	NonceMismatch               // the ID token's nonce is not the request's
	UserinfoSubMismatch         // userinfo answers with another sub
	PARError                    // PAR answers 400 invalid_request
	PARStatus200                // PAR answers 200 instead of 201
	ServerErrorJARM             // the JARM carries error=temporarily_unavailable
)

// Options configure a Server. For [NewServer] the zero value serves plain
// HTTP with a default user and the real clock; [New] needs Issuer.
type Options struct {
	// Issuer is the URL the server is reached at, without a trailing slash
	// (and with a path only if the handler is mounted under it, for
	// example with http.StripPrefix). [NewServer] sets it to its listener.
	Issuer string
	// TLS publishes mtls_endpoint_aliases under /mtls and accepts
	// tls_client_auth; [NewServer] then serves HTTPS. A [New] server's TLS
	// is its caller's, which must ask for client certificates issued by
	// [Server.ClientCAs].
	TLS bool
	// Now is the server clock; nil means time.Now.
	Now func() time.Time
	// Subject is the approved user's sub; default "user-1".
	Subject string
	// Claims are put in the ID token and userinfo; default email,
	// given_name and family_name of a test user.
	Claims map[string]any
	// PaymentDetails is the payment_details answer; default one ACH account.
	PaymentDetails []map[string]any
}

// Client is a client registration.
type Client struct {
	ID           string
	Secret       string // for client_secret_basic
	AuthMethod   string // client_secret_basic, private_key_jwt or tls_client_auth
	RedirectURIs []string
	// JWKS is the client's JWK set (private members are ignored): its
	// signing key verifies request objects and client assertions, and
	// responses are encrypted to its encryption key when it has one.
	JWKS []byte
}

type client struct {
	Client
	sig, enc *jose.JSONWebKey
}

// Server is a fake OP: an [http.Handler] serving the routes of the package
// doc at the root, for [New], or a running test server, for [NewServer].
type Server struct {
	srv   *httptest.Server // NewServer's; nil for New
	mux   *http.ServeMux
	opts  Options
	sig   jose.JSONWebKey // the OP's signing key
	rogue *rsa.PrivateKey // signs with sig's kid under WrongSigningKey
	ca    *x509.Certificate
	caKey crypto.Signer

	mu      sync.Mutex
	fail    Failure
	clients map[string]*client
	pars    map[string]*pushed
	last    map[string]string // the last pushed request's parameters
	codes   map[string]*grant
	access  map[string]*grant
	refresh map[string]*grant
}

// New returns a server for opts.Issuer, to be served by the caller (it is
// an [http.Handler]); no [testing.TB] is needed, so it can run in a
// development server as well as in tests.
func New(opts Options) (*Server, error) {
	if u, err := url.Parse(opts.Issuer); err != nil || !u.IsAbs() || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
		strings.HasSuffix(opts.Issuer, "/") {
		return nil, errors.New("rptest: Issuer must be an absolute URL without query, fragment or trailing slash")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Subject == "" {
		opts.Subject = "user-1"
	}
	if opts.Claims == nil {
		opts.Claims = map[string]any{"email": "mikomo_10@example.com", "given_name": "Mikomo", "family_name": "Ten"}
	}
	if opts.PaymentDetails == nil {
		opts.PaymentDetails = []map[string]any{{
			"bankId": "125000024", "identifier": "1111222233334444", "identifierType": "ACCOUNT_NUMBER",
			"type": "US_ACH", "transferIn": true, "transferOut": true, "accountId": "acct-1",
		}}
	}
	s := &Server{opts: opts, mux: http.NewServeMux(), clients: map[string]*client{}, pars: map[string]*pushed{},
		codes: map[string]*grant{}, access: map[string]*grant{}, refresh: map[string]*grant{}}
	sigKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	if s.rogue, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	s.sig = jose.JSONWebKey{Key: sigKey, KeyID: "op-sig-1", Algorithm: string(jose.PS256), Use: "sig"}
	if s.ca, s.caKey, err = newCA(); err != nil {
		return nil, err
	}
	s.routes(s.mux)
	return s, nil
}

// NewServer starts a server on a loopback port (HTTPS with opts.TLS) that
// tb's cleanup stops; opts.Issuer is set to its URL.
func NewServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	hs := httptest.NewUnstartedServer(nil)
	scheme := "http://"
	if opts.TLS {
		scheme = "https://"
	}
	opts.Issuer = scheme + hs.Listener.Addr().String()
	s, err := New(opts)
	if err != nil {
		hs.Close()
		tb.Fatal(err)
	}
	hs.Config.Handler = s
	if opts.TLS {
		hs.TLS = &tls.Config{ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: s.ClientCAs()}
		hs.StartTLS()
	} else {
		hs.Start()
	}
	s.srv = hs
	tb.Cleanup(hs.Close)
	return s
}

// ServeHTTP serves the OP's routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// LastPushed returns the parameters of the last authorization request
// pushed to the server (nil before the first), so a test can see what its
// RP asked for (prompt, max_age, claims, ...).
func (s *Server) LastPushed() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.last)
}

// Issuer is the OP's issuer URL (and base URL).
func (s *Server) Issuer() string { return s.opts.Issuer }

// SetFailure switches the server's misbehaviour; NoFailure restores it.
func (s *Server) SetFailure(f Failure) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

func (s *Server) failure() Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fail
}

// RegisterClient adds or replaces a client. It panics on a JWKS that does
// not parse, as a test setup error.
func (s *Server) RegisterClient(c Client) {
	cl := &client{Client: c}
	if len(c.JWKS) > 0 {
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(c.JWKS, &set); err != nil {
			panic("rptest: client JWKS: " + err.Error())
		}
		for _, k := range set.Keys {
			pub := k.Public()
			switch {
			case cl.sig == nil && (k.Use == "sig" || k.Use == "" && k.Algorithm == string(jose.PS256)):
				cl.sig = &pub
			case cl.enc == nil && (k.Use == "enc" || k.Use == "" && k.Algorithm == string(jose.RSA_OAEP)):
				cl.enc = &pub
			}
		}
	}
	s.mu.Lock()
	s.clients[c.ID] = cl
	s.mu.Unlock()
}

// CertPool trusts the server's TLS certificate; nil for a plain server
// and for a [New] one (whose certificate is its caller's).
func (s *Server) CertPool() *x509.CertPool {
	if s.srv == nil || s.srv.Certificate() == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.srv.Certificate())
	return pool
}

// CertificatePEM is the server's TLS certificate as PEM (a CA file an RP
// can be configured with); nil for a plain server and for a [New] one.
func (s *Server) CertificatePEM() []byte {
	if s.srv == nil || s.srv.Certificate() == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// ClientCAs is the pool of the CA that [Server.ClientCertificate] issues
// from: what the TLS server in front of a [New] server with Options.TLS
// verifies client certificates with (tls.VerifyClientCertIfGiven).
func (s *Server) ClientCAs() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(s.ca)
	return pool
}

// ClientCertificate issues a TLS client certificate with subject
// CN=clientID from the server's client CA, which tls_client_auth accepts
// for that client.
func (s *Server) ClientCertificate(tb testing.TB, clientID string) tls.Certificate {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: clientID},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.ca, key.Public(), s.caKey)
	if err != nil {
		tb.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// Authorize plays the browser: it opens authURL (as
// rp.Bank.PushAuthorization returned it) and returns the redirect the OP
// answers with, the callback URL to hand to rp.Bank.Exchange. The request
// is served in process, so it works for a [New] server whatever serves it.
func (s *Server) Authorize(authURL string) (string, error) {
	u, err := url.Parse(authURL)
	if err != nil || !strings.HasPrefix(authURL, s.opts.Issuer+"/") {
		return "", errors.New("rptest: not a URL of this server")
	}
	iss, _ := url.Parse(s.opts.Issuer)
	// Served in process and at once: no caller's deadline to carry.
	r := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil)
	r.URL.Path, r.URL.RawQuery, r.Host = strings.TrimPrefix(u.Path, iss.Path), u.RawQuery, u.Host
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, r)
	if rec.Code != http.StatusSeeOther {
		return "", &StatusError{StatusCode: rec.Code}
	}
	return rec.Header().Get("Location"), nil
}

// StatusError is the unexpected status of Authorize.
type StatusError struct{ StatusCode int }

func (e *StatusError) Error() string {
	return "rptest: authorize answered " + http.StatusText(e.StatusCode)
}

// GenerateJWKS makes a client key pair in the shape rp.ParsePrivateJWKS
// reads (RSA-2048 PS256 signing key and RSA-OAEP encryption key) and returns
// the private set and the public set for RegisterClient.
func GenerateJWKS(tb testing.TB) (private, public []byte) {
	tb.Helper()
	keys := []jose.JSONWebKey{
		{Key: rsaKey(tb), KeyID: "client-sig-" + randomID()[:8], Use: "sig", Algorithm: string(jose.PS256)},
		{Key: rsaKey(tb), KeyID: "client-enc-" + randomID()[:8], Use: "enc", Algorithm: string(jose.RSA_OAEP)},
	}
	private, _ = json.Marshal(jose.JSONWebKeySet{Keys: keys})
	public, _ = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{keys[0].Public(), keys[1].Public()}})
	return private, public
}

func rsaKey(tb testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func newCA() (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rptest client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func randomID() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
