package rptest

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/signet-id/signet/oidc"
)

// pushed is a stored PAR request; grant is an issued code or token.
type pushed struct {
	client  *client
	params  map[string]string
	expires time.Time
}

type grant struct {
	client   *client
	params   map[string]string
	expires  time.Time
	certHash string // tls_client_auth: the certificate the token is bound to (RFC 8705 §3)
}

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{s.sig.Public()}})
	})
	mux.HandleFunc("GET /authorize", s.authorize)
	for _, p := range []string{"", "/mtls"} {
		mux.HandleFunc("POST "+p+"/par", s.par)
		mux.HandleFunc("POST "+p+"/token", s.token)
		mux.HandleFunc("GET "+p+"/userinfo", s.userinfo)
		mux.HandleFunc("GET "+p+"/payment_details", s.paymentDetails)
	}
}

func (s *Server) discovery(w http.ResponseWriter, _ *http.Request) {
	iss := s.Issuer()
	md := oidc.Metadata{
		Issuer: iss, AuthorizationEndpoint: iss + "/authorize", TokenEndpoint: iss + "/token",
		UserinfoEndpoint: iss + "/userinfo", JWKSURI: iss + "/jwks",
		PushedAuthorizationRequestEndpoint: iss + "/par", PaymentDetailsInfoEndpoint: iss + "/payment_details",
		ResponseTypesSupported: []string{"code"}, ResponseModesSupported: []string{"jwt", "query.jwt"},
		CodeChallengeMethodsSupported:          []string{oidc.CodeChallengeS256},
		TokenEndpointAuthMethodsSupported:      []string{oidc.AuthClientSecretBasic, oidc.AuthPrivateKeyJWT, oidc.AuthTLSClient},
		IDTokenSigningAlgValuesSupported:       []string{string(jose.PS256)},
		AuthorizationSigningAlgValuesSupported: []string{string(jose.PS256)},
		SubjectTypesSupported:                  []string{"public"},
	}
	if s.opts.TLS {
		md.TLSClientCertificateBoundAccessTokens = true
		md.MTLSEndpointAliases = &oidc.MTLSEndpointAliases{
			TokenEndpoint: iss + "/mtls/token", UserinfoEndpoint: iss + "/mtls/userinfo",
			PushedAuthorizationRequestEndpoint: iss + "/mtls/par", PaymentDetailsInfoEndpoint: iss + "/mtls/payment_details",
		}
	}
	writeJSON(w, http.StatusOK, md)
}

// par is RFC 9126 §2: plain parameters or one signed request object.
func (s *Server) par(w http.ResponseWriter, r *http.Request) {
	c, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	switch s.failure() {
	case PARError:
		writeError(w, http.StatusBadRequest, oidc.InvalidRequest)
		return
	}
	params := map[string]string{}
	if ro := r.PostForm.Get("request"); ro != "" {
		claims, ok := s.verifyClientJWT(c, ro)
		if !ok || claims["iss"] != c.ID || claims["aud"] != s.Issuer() {
			writeError(w, http.StatusBadRequest, oidc.InvalidRequestObject)
			return
		}
		for k, v := range claims {
			if str, ok := v.(string); ok {
				params[k] = str
			}
		}
	} else {
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
	}
	if params["client_id"] != c.ID || params["response_type"] != "code" || params["response_mode"] != "jwt" ||
		!slices.Contains(c.RedirectURIs, params["redirect_uri"]) || params["code_challenge_method"] != "S256" ||
		params["code_challenge"] == "" || params["state"] == "" || params["nonce"] == "" ||
		!slices.Contains(strings.Fields(params["scope"]), "openid") {
		writeError(w, http.StatusBadRequest, oidc.InvalidRequest)
		return
	}
	uri := "urn:ietf:params:oauth:request_uri:" + randomID()
	s.mu.Lock()
	s.pars[uri] = &pushed{client: c, params: params, expires: s.opts.Now().Add(60 * time.Second)}
	s.last = params
	s.mu.Unlock()
	status := http.StatusCreated
	if s.failure() == PARStatus200 {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"request_uri": uri, "expires_in": 60})
}

// authorize approves the pushed request for the configured user at once and
// redirects with a JARM (JARM §2.3.1, query.jwt).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := s.pars[r.URL.Query().Get("request_uri")]
	delete(s.pars, r.URL.Query().Get("request_uri"))
	s.mu.Unlock()
	now := s.opts.Now()
	if p == nil || !now.Before(p.expires) {
		http.Error(w, "unknown or expired request_uri", http.StatusBadRequest)
		return
	}
	// RFC 9126 §4: a client_id sent with the request_uri must be the
	// pushing client's.
	if id := r.URL.Query().Get("client_id"); id != "" && id != p.client.ID {
		http.Error(w, "request_uri was pushed by another client", http.StatusBadRequest)
		return
	}
	code := randomID()
	s.mu.Lock()
	s.codes[code] = &grant{client: p.client, params: p.params, expires: now.Add(time.Minute)}
	s.mu.Unlock()

	claims := map[string]any{"iss": s.Issuer(), "aud": p.client.ID, "exp": now.Add(120 * time.Second).Unix(),
		"code": code, "state": p.params["state"]}
	key, encrypt := s.sig, p.client.enc != nil
	switch s.failure() {
	case ErrorJARM:
		delete(claims, "code")
		claims["error"], claims["error_description"] = oidc.AccessDenied, "The user declined."
	case ServerErrorJARM:
		delete(claims, "code")
		claims["error"], claims["error_description"] = "temporarily_unavailable", "The bank is down for maintenance."
	case WrongState:
		claims["state"] = p.params["state"] + "x"
	case WrongSigningKey:
		key.Key = s.rogue
	case ExpiredJARM:
		claims["exp"] = now.Add(-time.Minute).Unix()
	case WrongAudience:
		claims["aud"] = "another-client"
	case UnencryptedResponse:
		encrypt = false
	}
	jarm := s.seal(p.client, key, claims, encrypt)
	u, _ := url.Parse(p.params["redirect_uri"])
	q := u.Query()
	q.Set("response", jarm)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	c, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	now := s.opts.Now()
	var g *grant
	nonce := ""
	s.mu.Lock()
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		g = s.codes[r.PostForm.Get("code")]
		delete(s.codes, r.PostForm.Get("code"))
		if g != nil && (r.PostForm.Get("redirect_uri") != g.params["redirect_uri"] ||
			!oidc.VerifyS256(r.PostForm.Get("code_verifier"), g.params["code_challenge"])) {
			g = nil
		}
		if g != nil {
			nonce = g.params["nonce"]
		}
	case "refresh_token":
		g = s.refresh[r.PostForm.Get("refresh_token")]
		delete(s.refresh, r.PostForm.Get("refresh_token"))
	}
	s.mu.Unlock()
	if g == nil || g.client != c || !now.Before(g.expires) {
		writeError(w, http.StatusBadRequest, oidc.InvalidGrant)
		return
	}
	at := &grant{client: c, params: g.params, expires: now.Add(time.Hour), certHash: certHash(r)}
	accessToken := randomID()
	res := map[string]any{"access_token": accessToken, "token_type": "Bearer", "expires_in": 3600, "scope": g.params["scope"]}
	s.mu.Lock()
	s.access[accessToken] = at
	if slices.Contains(strings.Fields(g.params["scope"]), oidc.ScopeOfflineAccess) {
		rt := randomID()
		s.refresh[rt] = &grant{client: c, params: g.params, expires: now.Add(24 * time.Hour)}
		res["refresh_token"] = rt
	}
	s.mu.Unlock()

	sum := sha256.Sum256([]byte(accessToken))
	// auth_time: the user signs in at each authorization here (OIDC Core
	// §2; Options.Claims may say otherwise, as a bank keeping an older
	// session would).
	claims := map[string]any{"iss": s.Issuer(), "sub": s.opts.Subject, "aud": c.ID, "iat": now.Unix(),
		"exp": now.Add(60 * time.Second).Unix(), "at_hash": base64.RawURLEncoding.EncodeToString(sum[:16]),
		"auth_time": now.Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
		if s.failure() == NonceMismatch {
			claims["nonce"] = nonce + "x"
		}
	}
	for k, v := range s.opts.Claims {
		claims[k] = v
	}
	res["id_token"] = s.seal(c, s.sig, claims, c.enc != nil && s.failure() != UnencryptedIDToken)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, res)
}

// bearer finds the access token's grant, checking its certificate binding.
func (s *Server) bearer(w http.ResponseWriter, r *http.Request) *grant {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	g := s.access[tok]
	s.mu.Unlock()
	if !ok || g == nil || !s.opts.Now().Before(g.expires) || g.certHash != "" && g.certHash != certHash(r) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, oidc.InvalidToken)
		return nil
	}
	return g
}

func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	if s.bearer(w, r) == nil {
		return
	}
	info := map[string]any{"sub": s.opts.Subject}
	if s.failure() == UserinfoSubMismatch {
		info["sub"] = "someone-else"
	}
	for k, v := range s.opts.Claims {
		info[k] = v
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) paymentDetails(w http.ResponseWriter, r *http.Request) {
	if s.bearer(w, r) != nil {
		writeJSON(w, http.StatusOK, s.opts.PaymentDetails)
	}
}

// seal signs claims PS256 with key and, when encrypt, wraps the JWS in a JWE
// to the client's encryption key (RSA-OAEP, A256CBC-HS512, cty JWT).
func (s *Server) seal(c *client, key jose.JSONWebKey, claims map[string]any, encrypt bool) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: jose.JSONWebKey{Key: key.Key, KeyID: key.KeyID}}, nil)
	if err != nil {
		panic(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	out, _ := jws.CompactSerialize()
	if !encrypt {
		return out
	}
	opts := (&jose.EncrypterOptions{}).WithContentType("JWT").WithHeader("iss", s.Issuer()).WithHeader("aud", c.ID)
	enc, err := jose.NewEncrypter(jose.A256CBC_HS512, jose.Recipient{Algorithm: jose.RSA_OAEP, Key: c.enc.Key, KeyID: c.enc.KeyID}, opts)
	if err != nil {
		panic(err)
	}
	jwe, err := enc.Encrypt([]byte(out))
	if err != nil {
		panic(err)
	}
	out, _ = jwe.CompactSerialize()
	return out
}

// authenticate checks the client's registered method (RFC 6749 §2.3.1,
// RFC 7523 §3, RFC 8705 §2.1) and answers invalid_client when it fails.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*client, bool) {
	if r.ParseForm() != nil {
		writeError(w, http.StatusBadRequest, oidc.InvalidRequest)
		return nil, false
	}
	var c *client
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id = r.PostForm.Get("client_id")
	}
	s.mu.Lock()
	c = s.clients[id]
	s.mu.Unlock()
	ok := c != nil
	if ok {
		switch c.AuthMethod {
		case oidc.AuthClientSecretBasic:
			ok = basic && subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) == 1
		case oidc.AuthPrivateKeyJWT:
			claims, valid := s.verifyClientJWT(c, r.PostForm.Get("client_assertion"))
			aud, _ := json.Marshal(claims["aud"])
			ok = !basic && valid && r.PostForm.Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" &&
				claims["iss"] == c.ID && claims["sub"] == c.ID && claims["jti"] != nil &&
				(strings.Contains(string(aud), `"`+s.Issuer()+`"`) || strings.Contains(string(aud), `"`+s.Issuer()+`/token"`))
		case oidc.AuthTLSClient:
			ok = !basic && r.TLS != nil && len(r.TLS.PeerCertificates) > 0 && r.TLS.PeerCertificates[0].Subject.CommonName == c.ID
		default:
			ok = false
		}
	}
	if !ok {
		writeError(w, http.StatusUnauthorized, oidc.InvalidClient)
	}
	return c, ok
}

// verifyClientJWT verifies a compact PS256 JWS (a JWT is never in the JSON
// serialization, RFC 7519 §1) with the client's signing key and an
// unexpired exp, returning its claims.
func (s *Server) verifyClientJWT(c *client, raw string) (map[string]any, bool) {
	if c.sig == nil {
		return nil, false
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.PS256})
	if err != nil {
		return nil, false
	}
	payload, err := jws.Verify(c.sig)
	if err != nil {
		return nil, false
	}
	var claims map[string]any
	if json.Unmarshal(payload, &claims) != nil {
		return nil, false
	}
	exp, _ := claims["exp"].(float64)
	return claims, s.opts.Now().Before(time.Unix(int64(exp), 0))
}

func certHash(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return ""
	}
	return thumbprint(r.TLS.PeerCertificates[0])
}

func thumbprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a failed write is a client gone
}

func writeError(w http.ResponseWriter, status int, code oidc.ErrorCode) {
	writeJSON(w, status, map[string]oidc.ErrorCode{"error": code})
}
