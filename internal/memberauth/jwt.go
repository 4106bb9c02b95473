package memberauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
)

// A member session JWT is the consumer one (internal/users, jwt.go;
// stytch-api.md §4.1) with sub = the member ID and one more claim,
// https://stytch.com/organization {organization_id, slug}, which the
// SDKs' authenticateJwtLocal reads (Node lib/b2b/sessions.ts, Go
// b2b/sessions OrgClaim). RS256 with the project's key, typ JWT, five
// minutes, custom claims at the top level.

const (
	jwtLifetime  = 5 * time.Minute
	sessionClaim = "https://stytch.com/session"
	orgClaim     = "https://stytch.com/organization"
)

type sessionClaimJSON struct {
	ID                    string         `json:"id"`
	StartedAt             string         `json:"started_at"`
	LastAccessedAt        string         `json:"last_accessed_at"`
	ExpiresAt             string         `json:"expires_at"`
	Attributes            attributesJSON `json:"attributes"`
	AuthenticationFactors []factorJSON   `json:"authentication_factors"`
	Roles                 []string       `json:"roles"`
}

// attributesJSON is the session claim's attributes: member sessions keep
// no address or user agent, so both are empty, as the SDKs expect them.
type attributesJSON struct {
	IPAddress string `json:"ip_address"`
	UserAgent string `json:"user_agent"`
}

type orgClaimJSON struct {
	OrganizationID string `json:"organization_id"`
	Slug           string `json:"slug"`
}

// mintJWT signs the JWT of sess, a session of o, at now. exp is five
// minutes on, or the session's end if sooner. A JWT minted less than
// jwtReuse ago with the same content is handed out again (the cache of
// internal/users/jwtcache.go, for the same reason: the signature is
// almost all an authenticate costs).
func (s *Service) mintJWT(ctx context.Context, sess store.MemberSession, o store.Organization, now time.Time) (string, error) {
	signer, err := s.keys.Signer(ctx, sess.ProjectID, keys.RS256)
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
	j := toMemberSessionJSON(sess, o)
	claims["iss"] = s.issuer
	claims["aud"] = []string{sess.ProjectID}
	claims["sub"] = sess.MemberID
	claims[sessionClaim] = sessionClaimJSON{
		ID: sess.ID, StartedAt: j.StartedAt, LastAccessedAt: j.LastAccessedAt, ExpiresAt: j.ExpiresAt,
		AuthenticationFactors: j.AuthenticationFactors, Roles: j.Roles,
	}
	claims[orgClaim] = orgClaimJSON{OrganizationID: o.ID, Slug: o.Slug}
	content, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	key := signer.KeyID() + "." + string(content)
	if tok, ok := s.jwts.get(sess.ID, key, now); ok {
		return tok, nil
	}
	exp := time.Unix(min(now.Add(jwtLifetime).Unix(), sess.ExpiresAt.Unix()), 0)
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = exp.Unix()
	tok, err := signer.SignJWT(claims, "JWT")
	if err != nil {
		return "", err
	}
	s.jwts.put(sess.ID, cachedJWT{jwt: tok, claims: key, mintedAt: now, exp: exp})
	return tok, nil
}

// errBadJWT is any session JWT Signet did not issue for this project as
// a member session JWT.
var errBadJWT = errors.New("memberauth: session JWT not valid for this project")

// verifyJWT checks a member session JWT as the SDKs do (RS256, the
// project's keys, typ JWT, iss, aud) except exp: an expired JWT still
// names its session, which must still be live. A consumer session JWT
// (no organization claim) is refused. It returns the session ID and
// subject.
func (s *Service) verifyJWT(ctx context.Context, projectID, token string) (sessionID, memberID string, err error) {
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
		Audience jwt.Audience `json:"aud"`
		Session  *struct {
			ID string `json:"id"`
		} `json:"https://stytch.com/session"`
		Org *orgClaimJSON `json:"https://stytch.com/organization"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", "", errBadJWT
	}
	if c.Issuer != s.issuer || !c.Audience.Contains(projectID) || c.Subject == "" ||
		c.Session == nil || c.Session.ID == "" || c.Org == nil {
		return "", "", errBadJWT
	}
	return c.Session.ID, c.Subject, nil
}

// The JWT cache: see internal/users/jwtcache.go for the rules.
const (
	jwtReuse     = time.Minute
	jwtCacheMax  = 100_000
	touchGranule = time.Minute
)

type cachedJWT struct {
	jwt      string
	claims   string
	mintedAt time.Time
	exp      time.Time
}

type jwtCache struct {
	mu sync.Mutex
	m  map[string]cachedJWT
}

func (c *jwtCache) get(id, claims string, now time.Time) (string, bool) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if !ok || e.claims != claims || now.Before(e.mintedAt) || now.Sub(e.mintedAt) >= jwtReuse || !now.Before(e.exp) {
		return "", false
	}
	return e.jwt, true
}

func (c *jwtCache) put(id string, e cachedJWT) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedJWT{}
	}
	if _, ok := c.m[id]; !ok && len(c.m) >= jwtCacheMax {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[id] = e
}

func (c *jwtCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
