package clientauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/store"
)

// KeySets resolves clients' public keys: the registered jwks, parsed
// once per version of the client, or the jwks_uri document, fetched with
// a timeout and kept for TTL.
type KeySets struct {
	HTTP *http.Client  // default: a client with a 5 s timeout
	TTL  time.Duration // how long a fetched jwks_uri document is used; default 5 min
	Now  func() time.Time

	mu    sync.Mutex
	cache map[string]keySetEntry
}

type keySetEntry struct {
	set     jose.JSONWebKeySet
	version time.Time // inline sets: the client's UpdatedAt when parsed
	expires time.Time // jwks_uri documents: when to fetch again
	fetched time.Time // jwks_uri documents: when fetched
}

// minRefetch bounds how often a kid the cached jwks_uri document lacks
// makes KeySets fetch it again (a client that rotated its keys is seen at
// once; a stream of made-up kids costs one fetch per interval).
const minRefetch = 10 * time.Second

const maxFetchedJWKS = 64 << 10

var defaultHTTP = &http.Client{Timeout: 5 * time.Second}

// ErrNoKeys means the client registered neither jwks nor jwks_uri.
var ErrNoKeys = errors.New("clientauth: client has no keys")

// For returns the client's key set.
func (k *KeySets) For(ctx context.Context, c store.ConnectedApp) (jose.JSONWebKeySet, error) {
	return k.keySet(ctx, c, false)
}

// keySet returns the client's key set; stale forces a fetch of a
// jwks_uri document unless it was fetched less than minRefetch ago.
func (k *KeySets) keySet(ctx context.Context, c store.ConnectedApp, stale bool) (jose.JSONWebKeySet, error) {
	var key string
	switch {
	case c.JWKS != nil:
		key = "jwks " + c.ClientID
	case c.JWKSURI != "":
		key = "uri " + c.JWKSURI
	default:
		return jose.JSONWebKeySet{}, ErrNoKeys
	}
	now := k.now()
	k.mu.Lock()
	e, ok := k.cache[key]
	k.mu.Unlock()
	fresh := now.Before(e.expires) && (!stale || now.Sub(e.fetched) < minRefetch)
	if ok && ((c.JWKS != nil && e.version.Equal(c.UpdatedAt)) || (c.JWKS == nil && fresh)) {
		return e.set, nil
	}
	e = keySetEntry{version: c.UpdatedAt, fetched: now}
	var (
		set jose.JSONWebKeySet
		err error
	)
	if c.JWKS != nil {
		err = json.Unmarshal(c.JWKS, &set)
	} else {
		set, err = k.fetch(ctx, c.JWKSURI)
		e.expires = now.Add(k.ttl())
	}
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("clientauth: keys of %s: %w", c.ClientID, err)
	}
	e.set = set
	k.mu.Lock()
	if k.cache == nil {
		k.cache = map[string]keySetEntry{}
	}
	k.cache[key] = e
	k.mu.Unlock()
	return set, nil
}

func (k *KeySets) fetch(ctx context.Context, uri string) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return set, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	hc := k.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	res, err := hc.Do(req)
	if err != nil {
		return set, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return set, fmt.Errorf("GET jwks_uri: %s", res.Status)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxFetchedJWKS+1))
	if err != nil {
		return set, err
	}
	if len(b) > maxFetchedJWKS {
		return set, errors.New("jwks_uri document too large")
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return set, err
	}
	for _, key := range set.Keys {
		if !key.IsPublic() {
			return jose.JSONWebKeySet{}, errors.New("jwks_uri document holds private keys")
		}
	}
	return set, nil
}

// Verify checks a compact JWS by one of the client's signing keys and
// returns its payload and header. The JSON serializations are refused:
// client assertions and request objects are JWTs (RFC 7519 §1). allowed are the algorithms accepted
// (the caller passes them: FAPI allows PS256 and ES256). The key is the
// one named by kid, or else any signing key of a fitting type.
func (k *KeySets) Verify(ctx context.Context, c store.ConnectedApp, token string, allowed []jose.SignatureAlgorithm) ([]byte, jose.Header, error) {
	jws, err := jose.ParseSignedCompact(token, allowed)
	if err != nil {
		return nil, jose.Header{}, err
	}
	if len(jws.Signatures) != 1 {
		return nil, jose.Header{}, errors.New("clientauth: want one signature")
	}
	h := jws.Signatures[0].Header
	set, err := k.For(ctx, c)
	if err != nil {
		return nil, h, err
	}
	if h.KeyID != "" && c.JWKS == nil && len(set.Key(h.KeyID)) == 0 {
		// A kid the cached jwks_uri document lacks: the client may have
		// rotated its keys since (OIDC Core §10.1.1).
		if set, err = k.keySet(ctx, c, true); err != nil {
			return nil, h, err
		}
	}
	for _, key := range set.Keys {
		if (h.KeyID != "" && key.KeyID != h.KeyID) || key.Use == "enc" ||
			(key.Algorithm != "" && key.Algorithm != h.Algorithm) {
			continue
		}
		if payload, err := jws.Verify(key.Key); err == nil {
			return payload, h, nil
		}
	}
	return nil, h, errors.New("clientauth: no key of the client verifies the signature")
}

func (k *KeySets) now() time.Time {
	if k.Now != nil {
		return k.Now()
	}
	return time.Now()
}

func (k *KeySets) ttl() time.Duration {
	if k.TTL > 0 {
		return k.TTL
	}
	return 5 * time.Minute
}
