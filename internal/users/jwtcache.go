package users

import (
	"sync"
	"time"
)

// A session JWT is a snapshot of its session for five minutes (§4.1), and
// signing one is almost all the CPU a sessions.authenticate costs (an
// RSA-2048 signature, ~1 ms). So a node hands out the JWT it last minted
// for a session again, instead of a new one, while both hold:
//
//   - it was minted less than jwtReuse ago, so at least four of its five
//     minutes remain (the SDKs accept any valid JWT of the session, and
//     one checking max_token_age sees the age it would see of a JWT
//     minted at that moment);
//   - everything it says except its times is unchanged: the session's
//     fields (last_accessed_at, expires_at, factors, roles, custom
//     claims), its user, the issuer and the signing key (a rotation moves
//     the next authenticate to the new key).
//
// The cache is per node and bounded; a miss only costs a signature.
const (
	jwtReuse     = time.Minute
	jwtCacheMax  = 100_000
	touchGranule = time.Minute
)

type cachedJWT struct {
	jwt      string
	claims   string // the JWT's claims without iat, nbf and exp, and its kid
	mintedAt time.Time
	exp      time.Time
}

type jwtCache struct {
	mu sync.Mutex
	m  map[string]cachedJWT // session ID -> the JWT last minted for it
}

// get is the JWT of session id whose content is claims, if one minted
// within jwtReuse of now is cached and still valid.
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
		for k := range c.m { // evict one at random (map order)
			delete(c.m, k)
			break
		}
	}
	c.m[id] = e
}

// forget drops session id's JWT (the session was revoked).
func (c *jwtCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
