package dpop

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Error codes of RFC 9449 §12.2.
const (
	InvalidProof = oidc.InvalidDPoPProof
	UseNonce     = oidc.UseDPoPNonce
)

// NonceHeader carries a server-provided nonce (RFC 9449 §8.1).
const NonceHeader = "DPoP-Nonce"

// Algs are the proof algorithms accepted, for the discovery document's
// dpop_signing_alg_values_supported.
var Algs = []jose.SignatureAlgorithm{jose.PS256, jose.ES256, jose.EdDSA}

// AlgNames is Algs as strings.
func AlgNames() []string {
	out := make([]string, len(Algs))
	for i, a := range Algs {
		out[i] = string(a)
	}
	return out
}

// Window is how far a proof's iat may be from now, either way.
const Window = 60 * time.Second

const (
	proofTyp    = "dpop+jwt"
	nonceWindow = 5 * time.Minute
	maxProofLen = 8 << 10
)

// JTIs remembers used JWT IDs (store.PushedRequests.UseJTI); proofs are
// kept apart from a client's assertions by a "dpop:<jkt>" namespace.
type JTIs interface {
	UseJTI(ctx context.Context, clientID, jti string, exp time.Time) error
}

// Checker checks proofs. Its fields are its dependencies.
type Checker struct {
	JTIs JTIs
	// NonceKey makes and checks nonces; nil requires none.
	NonceKey []byte
	Now      func() time.Time // default time.Now
}

// Proof is a checked proof.
type Proof struct {
	// JKT is the JWK SHA-256 thumbprint of the proof's key (RFC 7638),
	// what a bound token's cnf.jkt names (RFC 9449 §6.1).
	JKT string
}

// Request is what a proof must match.
type Request struct {
	Method string
	// URLs are the URLs the endpoint answers at (the issuer's, the mTLS
	// alias); htu must be one of them.
	URLs []string
	// AccessToken, when one is presented, must be the proof's ath.
	AccessToken string
	// RequireNonce: the proof must carry a nonce this server issued.
	RequireNonce bool
}

func invalidProof(desc string) *oidc.Error { return oidc.NewError(InvalidProof, desc) }

// Present reports whether r carries a DPoP header.
func Present(r *http.Request) bool { return len(r.Header.Values("DPoP")) > 0 }

// proofClaims are the RFC 9449 §4.2 claims Signet reads.
type proofClaims struct {
	JTI   string   `json:"jti"`
	HTM   string   `json:"htm"`
	HTU   string   `json:"htu"`
	IAT   *float64 `json:"iat"`
	ATH   string   `json:"ath"`
	Nonce string   `json:"nonce"`
}

// Check verifies the DPoP proof of r against want. Errors are *oidc.Error
// invalid_dpop_proof or use_dpop_nonce (400; a resource server makes them
// 401).
func (c *Checker) Check(ctx context.Context, r *http.Request, want Request) (Proof, error) {
	jwk, cl, err := parse(r)
	if err != nil {
		return Proof{}, err
	}
	now := c.now()
	iat, err := c.checkClaims(cl, want, now)
	if err != nil {
		return Proof{}, err
	}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return Proof{}, invalidProof("The DPoP proof's jwk has no thumbprint.")
	}
	jkt := base64.RawURLEncoding.EncodeToString(tp)
	// RFC 9449 §11.1: a proof is used once. Remembered until it could no
	// longer pass the iat check.
	if err := c.JTIs.UseJTI(ctx, "dpop:"+jkt, cl.JTI, iat.Add(Window+time.Minute)); err != nil {
		if errors.Is(err, store.ErrAlreadyUsed) {
			return Proof{}, invalidProof("The DPoP proof was used before (jti).")
		}
		return Proof{}, oidc.Errorf(oidc.ServerError, "The DPoP proof could not be recorded.", err)
	}
	return Proof{JKT: jkt}, nil
}

// parse reads the one proof of r and verifies it with its own jwk.
func parse(r *http.Request) (*jose.JSONWebKey, proofClaims, error) {
	var cl proofClaims
	vals := r.Header.Values("DPoP")
	if len(vals) != 1 || strings.Contains(vals[0], ",") {
		return nil, cl, invalidProof("Send exactly one DPoP proof (RFC 9449 section 4.3).")
	}
	raw := strings.TrimSpace(vals[0])
	if len(raw) > maxProofLen {
		return nil, cl, invalidProof("The DPoP proof is too large.")
	}
	jws, err := jose.ParseSignedCompact(raw, Algs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, cl, invalidProof("The DPoP proof is not a JWS signed PS256, ES256 or EdDSA.")
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != proofTyp {
		return nil, cl, invalidProof("The DPoP proof's typ must be dpop+jwt.")
	}
	jwk := h.JSONWebKey
	if jwk == nil || !jwk.Valid() || !jwk.IsPublic() {
		return nil, cl, invalidProof("The DPoP proof's header must carry the public jwk it is signed with, and nothing private.")
	}
	payload, err := jws.Verify(jwk.Key)
	if err != nil {
		return nil, cl, invalidProof("The DPoP proof's signature does not verify with its jwk.")
	}
	if !api.ValidJSONText(payload) || json.Unmarshal(payload, &cl) != nil {
		return nil, cl, invalidProof("The DPoP proof's payload is not a JSON object of the RFC 9449 claims.")
	}
	return jwk, cl, nil
}

// checkClaims checks a verified proof's claims against want and returns
// its iat.
func (c *Checker) checkClaims(cl proofClaims, want Request, now time.Time) (time.Time, error) {
	switch {
	case cl.JTI == "" || len(cl.JTI) > 256:
		return time.Time{}, invalidProof("The DPoP proof needs a jti.")
	case cl.HTM != want.Method:
		return time.Time{}, invalidProof("The DPoP proof's htm is not this request's method.")
	case !htuMatches(cl.HTU, want.URLs):
		return time.Time{}, invalidProof("The DPoP proof's htu is not this endpoint's URL.")
	case cl.IAT == nil:
		return time.Time{}, invalidProof("The DPoP proof needs an iat.")
	}
	iat := time.Unix(int64(*cl.IAT), 0)
	if iat.Before(now.Add(-Window)) || iat.After(now.Add(Window)) {
		return time.Time{}, invalidProof("The DPoP proof's iat is too far from the server's time.")
	}
	if want.AccessToken != "" {
		sum := sha256.Sum256([]byte(want.AccessToken))
		if !hmac.Equal([]byte(cl.ATH), []byte(base64.RawURLEncoding.EncodeToString(sum[:]))) {
			return time.Time{}, invalidProof("The DPoP proof's ath is not the hash of the access token.")
		}
	}
	if c.NonceKey != nil && (cl.Nonce != "" || want.RequireNonce) && !c.validNonce(cl.Nonce, now) {
		return time.Time{}, oidc.NewError(UseNonce, "Send a DPoP proof with the nonce of the DPoP-Nonce header (RFC 9449 section 8).")
	}
	return iat, nil
}

// htuMatches compares htu with the endpoint's URLs without query and
// fragment, scheme and host case-insensitively, a default port as none
// (RFC 9449 §4.3, RFC 3986 §6.2.2, §6.2.3).
func htuMatches(htu string, urls []string) bool {
	got, ok := normalURL(htu)
	if !ok {
		return false
	}
	for _, u := range urls {
		if want, ok := normalURL(u); ok && want == got {
			return true
		}
	}
	return false
}

func normalURL(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", false
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	if port != "" {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, true
}

// Nonce is the nonce this server currently issues (RFC 9449 §8), or "" if
// it requires none.
func (c *Checker) Nonce() string {
	if c.NonceKey == nil {
		return ""
	}
	return c.nonceFor(c.now().Unix() / int64(nonceWindow/time.Second))
}

func (c *Checker) nonceFor(window int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(window))
	m := hmac.New(sha256.New, c.NonceKey)
	m.Write(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:]) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// validNonce: one of the current or the previous window's nonces.
func (c *Checker) validNonce(n string, now time.Time) bool {
	w := now.Unix() / int64(nonceWindow/time.Second)
	for _, cand := range []int64{w, w - 1} {
		if hmac.Equal([]byte(n), []byte(c.nonceFor(cand))) {
			return true
		}
	}
	return false
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
