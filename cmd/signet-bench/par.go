package main

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/oidc"
)

// parRPFile is the part of sandbox-bank-rp.json (signet sandbox-bank) the
// par scenario reads: the issuer (the request object's aud) and one
// client's credentials and private JWKS. Any OP's clients can be described
// in the same shape (docs/benchmarks.md makes one for oidc-provider).
type parRPFile struct {
	Issuer  string `json:"issuer"`
	Clients map[string]struct {
		ClientID     string          `json:"client_id"`
		ClientSecret string          `json:"client_secret"`
		RedirectURIs []string        `json:"redirect_uris"`
		JWKS         json.RawMessage `json:"jwks"`
	} `json:"clients"`
}

// parLoad is the pushed authorization request of one iteration: POST to
// the OP's PAR endpoint with client_secret_basic and a request object
// signed PS256 afresh for every request (new jti, nbf, exp, state, nonce
// and PKCE challenge), as a relying party does per sign-in. The signing
// happens in the load generator, so its CPU is in the "bench CPU" column.
type parLoad struct {
	addr   string
	tls    *tls.Config // nil: plain TCP
	head   []byte      // request line and headers up to "Content-Length: "
	signer jose.Signer
	issuer string
	claims map[string]any // the fixed members of the request object
}

func newPARLoad(cfg *config) (*parLoad, string, error) {
	if cfg.parFile == "" {
		return nil, "", errors.New("needs -par-rp (sandbox-bank-rp.json of signet sandbox-bank, or the same shape)")
	}
	b, err := os.ReadFile(cfg.parFile)
	if err != nil {
		return nil, "", err
	}
	var f parRPFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, "", fmt.Errorf("%s: %w", cfg.parFile, err)
	}
	c, ok := f.Clients[cfg.parClient]
	switch {
	case !ok:
		return nil, "", fmt.Errorf("%s has no client %q", cfg.parFile, cfg.parClient)
	case c.ClientSecret == "" || len(c.JWKS) == 0 || len(c.RedirectURIs) == 0:
		return nil, "", fmt.Errorf("client %q: needs client_secret (client_secret_basic), jwks and redirect_uris", cfg.parClient)
	}
	signer, err := requestObjectSigner(c.JWKS)
	if err != nil {
		return nil, "", fmt.Errorf("client %q jwks: %w", cfg.parClient, err)
	}
	l := &parLoad{addr: cfg.base.Host, signer: signer, issuer: f.Issuer}
	if cfg.base.Scheme == "https" {
		// Loopback only (parseFlags), against the test OPs' self-signed
		// certificates: the connection is encrypted, not authenticated.
		l.tls = &tls.Config{InsecureSkipVerify: true, ServerName: cfg.base.Hostname()}
	}
	endpoints, err := l.parEndpoints()
	if err != nil {
		return nil, "", err
	}
	var u *url.URL
	for _, e := range endpoints { // the plain one, else its RFC 8705 alias
		if v, err := url.Parse(e); err == nil && v.Host == cfg.base.Host && v.Scheme == cfg.base.Scheme {
			u = v
			break
		}
	}
	if u == nil {
		return nil, "", fmt.Errorf("no PAR endpoint of %s is on -url %s: %q", f.Issuer, cfg.base, endpoints)
	}
	l.claims = map[string]any{
		"iss": c.ClientID, "aud": f.Issuer, "client_id": c.ClientID,
		"response_type": "code", "response_mode": "jwt", "redirect_uri": c.RedirectURIs[0],
		"scope": "openid", "code_challenge_method": "S256",
	}
	l.head = []byte("POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + cfg.base.Host +
		"\r\nUser-Agent: signet-bench\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: Basic " +
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ClientID)+":"+url.QueryEscape(c.ClientSecret))) +
		"\r\nContent-Length: ")
	return l, u.Path, nil
}

// requestObjectSigner signs request objects with the first private PS256
// (or "use": "sig") key of the client's JWK Set.
func requestObjectSigner(jwks json.RawMessage) (jose.Signer, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		return nil, err
	}
	var sig *jose.JSONWebKey
	for i, k := range set.Keys {
		if !k.IsPublic() && (k.Use == "sig" || k.Algorithm == string(jose.PS256)) {
			sig = &set.Keys[i]
			break
		}
	}
	if sig == nil {
		return nil, errors.New("no private PS256 signing key")
	}
	return jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: *sig},
		(&jose.SignerOptions{}).WithType("oauth-authz-req+jwt"))
}

// httpClient is for setup only (discovery, the check).
func (l *parLoad) httpClient() *http.Client {
	return &http.Client{Timeout: ioTimeout, Transport: &http.Transport{TLSClientConfig: l.tls}}
}

// parEndpoints reads pushed_authorization_request_endpoint and its mTLS
// alias (RFC 8705 §5; Signet's sandbox bank serves PAR on its TLS
// listener too) from the OP's discovery document.
func (l *parLoad) parEndpoints() ([]string, error) {
	resp, err := l.httpClient().Get(strings.TrimSuffix(l.issuer, "/") + "/.well-known/openid-configuration")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var md oidc.Metadata
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(b, &md) != nil || md.PushedAuthorizationRequestEndpoint == "" {
		return nil, fmt.Errorf("discovery of %s: HTTP %d, no pushed_authorization_request_endpoint", l.issuer, resp.StatusCode)
	}
	alias := ""
	if md.MTLSEndpointAliases != nil {
		alias = md.MTLSEndpointAliases.PushedAuthorizationRequestEndpoint
	}
	return []string{md.PushedAuthorizationRequestEndpoint, alias}, nil
}

func randomB64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// body signs a fresh request object and returns the form body.
func (l *parLoad) body() ([]byte, error) {
	now := time.Now().Unix()
	claims := make(map[string]any, len(l.claims)+8)
	for k, v := range l.claims {
		claims[k] = v
	}
	verifier := sha256.Sum256([]byte(randomB64(32)))
	claims["jti"] = randomB64(16)
	claims["iat"], claims["nbf"], claims["exp"] = now, now, now+300
	claims["state"], claims["nonce"] = randomB64(16), randomB64(16)
	claims["code_challenge"] = base64.RawURLEncoding.EncodeToString(verifier[:])
	payload, err := json.Marshal(claims)
	if err != nil {
		return nil, err
	}
	jws, err := l.signer.Sign(payload)
	if err != nil {
		return nil, err
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		return nil, err
	}
	return []byte("request=" + s), nil // base64url and dots: nothing to escape
}

func (l *parLoad) request(dst, body []byte) []byte {
	dst = append(dst, l.head...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}

func (l *parLoad) dial() (net.Conn, error) {
	c, err := net.DialTimeout("tcp", l.addr, ioTimeout)
	if err != nil || l.tls == nil {
		return c, err
	}
	tc := tls.Client(c, l.tls)
	if err := tc.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		_ = c.Close() // the deadline's error is the one to report
		return nil, err
	}
	if err := tc.Handshake(); err != nil {
		_ = c.Close() // the handshake's error is the one to report
		return nil, err
	}
	return tc, nil
}

// check pushes one request and returns the request_uri's lifetime, to
// show the OP accepted the request object.
func (l *parLoad) check() (string, error) {
	conn, err := l.dial()
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close() }() // the answer is read and checked; closing adds nothing
	if err := conn.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		return "", err
	}
	body, err := l.body()
	if err != nil {
		return "", err
	}
	if _, err := conn.Write(l.request(nil, body)); err != nil {
		return "", err
	}
	status, b, err := readResponseBody(bufio.NewReader(conn), nil, true)
	if err != nil {
		return "", err
	}
	var r struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	if status != http.StatusCreated || json.Unmarshal(b, &r) != nil || r.RequestURI == "" {
		return "", fmt.Errorf("PAR: HTTP %d %.300s", status, b)
	}
	return fmt.Sprintf("expires_in=%d", r.ExpiresIn), nil
}

// loop is one connection's pushes until stop. Latency is from the start
// of signing to the end of the answer, as an RP would see it; a push
// counts when the answer is 201.
func (l *parLoad) loop(measureFrom, stop time.Time) result {
	req := make([]byte, 0, 4096)
	return runConn(l.dial, measureFrom, stop, 1<<14, func(conn net.Conn, br *bufio.Reader, start time.Time) error {
		body, err := l.body()
		if err != nil {
			return err
		}
		req = l.request(req[:0], body)
		if err := conn.SetDeadline(start.Add(ioTimeout)); err != nil {
			return err
		}
		if _, err := conn.Write(req); err != nil {
			return err
		}
		return wantStatus(br, http.StatusCreated, "PAR: ")
	})
}

// par loads the OP's PAR endpoint with freshly signed request objects.
func par(cfg *config, out io.Writer) error {
	l, path, err := newPARLoad(cfg)
	if err != nil {
		return err
	}
	note, err := l.check()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%-28s POST %s, client_secret_basic, request object PS256 signed per request by the generator (in bench CPU); %s\n", "par", path, note)
	name := "par " + cfg.parClient
	if l.tls != nil {
		name += " (TLS)"
	}
	measureWith(cfg, out, name, func() result {
		return runWith(cfg.conns, cfg.warmup, cfg.duration, l.loop)
	})
	return nil
}
