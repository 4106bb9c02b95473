package users

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
)

// jwtLifetime is fixed, as at Stytch (§4.1): a session JWT is a
// five-minute snapshot, refreshed by sessions/authenticate.
const jwtLifetime = 5 * time.Minute

// sessionClaimName is the namespaced claim with the session (§4.1).
const sessionClaimName = "https://stytch.com/session"

// reservedPrefix marks claims only Stytch (here: Signet) sets (§4.1,
// Go SDK shared.ReservedClaim).
const reservedPrefix = "https://stytch.com/"

var reservedClaims = []string{"iss", "aud", "sub", "iat", "nbf", "exp", "jti"}

type sessionClaim struct {
	ID                    string         `json:"id"`
	StartedAt             string         `json:"started_at"`
	LastAccessedAt        string         `json:"last_accessed_at"`
	ExpiresAt             string         `json:"expires_at"`
	Attributes            attributesJSON `json:"attributes"`
	AuthenticationFactors []factorJSON   `json:"authentication_factors"`
	Roles                 []string       `json:"roles"`
}

// mintJWT signs the session JWT of sess at now: RS256 with the project's
// current key, header typ JWT and kid, claims per §4.1 with the custom
// claims at top level. exp is five minutes on, or the session's end if
// sooner.
func (s *Service) mintJWT(ctx context.Context, projectID string, sess store.Session, now time.Time) (string, error) {
	signer, err := s.keys.Signer(ctx, projectID, keys.RS256)
	if err != nil {
		return "", err
	}
	claims := map[string]any{}
	if len(sess.CustomClaims) > 0 {
		var custom map[string]json.RawMessage
		if err := json.Unmarshal(sess.CustomClaims, &custom); err != nil {
			return "", fmt.Errorf("stored custom claims of %s: %w", sess.ID, err)
		}
		for k, v := range custom {
			claims[k] = v // validated on write: never a reserved name
		}
	}
	st := toSessionJSON(sess)
	claims["iss"] = s.issuer
	claims["aud"] = []string{projectID}
	claims["sub"] = sess.UserID
	claims[sessionClaimName] = sessionClaim{
		ID:                    sess.ID,
		StartedAt:             st.StartedAt,
		LastAccessedAt:        st.LastAccessedAt,
		ExpiresAt:             st.ExpiresAt,
		Attributes:            st.Attributes,
		AuthenticationFactors: st.AuthenticationFactors,
		Roles:                 st.Roles,
	}
	// What the JWT says apart from its times, to reuse one minted moments
	// ago (jwtcache.go). encoding/json sorts map keys: equal content, equal
	// bytes.
	content, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	key := signer.KeyID() + "." + string(content)
	if jwt, ok := s.jwts.get(sess.ID, key, now); ok {
		return jwt, nil
	}
	exp := time.Unix(min(now.Add(jwtLifetime).Unix(), sess.ExpiresAt.Unix()), 0)
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = exp.Unix()
	jwt, err := signer.SignJWT(claims, "JWT")
	if err != nil {
		return "", err
	}
	s.jwts.put(sess.ID, cachedJWT{jwt: jwt, claims: key, mintedAt: now, exp: exp})
	return jwt, nil
}

// errBadJWT is any session JWT Signet did not issue for this project:
// malformed, wrong key, alg, typ, issuer or audience.
var errBadJWT = errors.New("users: session JWT not valid for this project")

// verifyJWT checks a session JWT by the rules SDKs apply (§4.2: RS256, a
// kid of the project's keys, typ JWT, iss the configured issuer, aud
// containing the project ID) except exp: an expired JWT still names a
// session, which the caller looks up and which must still be live (§5.2).
// It returns the session ID and subject.
func (s *Service) verifyJWT(ctx context.Context, projectID, token string) (sessionID, userID string, err error) {
	payload, hdr, err := s.keys.Verify(ctx, projectID, token, []jose.SignatureAlgorithm{jose.RS256})
	switch {
	case errors.Is(err, keys.ErrInvalidToken):
		return "", "", errBadJWT
	case err != nil:
		return "", "", err
	}
	if typ, _ := hdr.ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, "JWT") {
		return "", "", errBadJWT
	}
	var c struct {
		Issuer   string       `json:"iss"`
		Subject  string       `json:"sub"`
		Audience jwt.Audience `json:"aud"` // a string or an array (RFC 7519 §4.1.3)
		Session  *struct {
			ID string `json:"id"`
		} `json:"https://stytch.com/session"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", "", errBadJWT
	}
	if c.Issuer != s.issuer || !c.Audience.Contains(projectID) || c.Subject == "" || c.Session == nil || c.Session.ID == "" {
		return "", "", errBadJWT
	}
	return c.Session.ID, c.Subject, nil
}
