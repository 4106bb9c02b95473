package rp

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/oidc"
)

// provider is one issuer's cached discovery document and JWK set.
type provider struct {
	md      oidc.Metadata
	mtls    oidc.MTLSEndpointAliases // RFC 8705 §5; zero when the OP has none
	expires time.Time

	mu          sync.Mutex // guards the key set
	keys        []jose.JSONWebKey
	keysExpires time.Time
}

// provider returns iss's discovery document, fetching it when it is not
// cached or older than discoveryTTL.
func (c *Client) provider(ctx context.Context, iss string) (*provider, error) {
	if err := c.checkIssuer(iss); err != nil {
		return nil, err
	}
	now := c.now()
	c.mu.Lock()
	p := c.providers[iss]
	c.mu.Unlock()
	if p != nil && now.Before(p.expires) {
		return p, nil
	}
	// OIDC Discovery §4: the path is appended to the issuer's path.
	var doc json.RawMessage
	if err := c.get(ctx, "discovery", strings.TrimSuffix(iss, "/")+"/.well-known/openid-configuration", "", &doc); err != nil {
		return nil, err
	}
	md, err := decodeMetadata(doc)
	if err != nil {
		return nil, invalidf(ErrMalformed, err, "discovery response is not the expected JSON")
	}
	// OIDC Discovery §4.3: the issuer MUST be identical to the URL used.
	// openid-client does not check this; we compare byte for byte (no
	// trailing-slash or case folding) because every later iss check relies
	// on it.
	if md.Issuer != iss {
		return nil, invalid(ErrDiscovery, "discovered issuer differs from the requested issuer")
	}
	for _, u := range []string{md.AuthorizationEndpoint, md.TokenEndpoint, md.JWKSURI, md.PushedAuthorizationRequestEndpoint} {
		if u == "" || c.checkURL(u) != nil {
			return nil, invalid(ErrDiscovery, "discovery lacks a usable authorization, token, jwks or PAR endpoint")
		}
	}
	p = &provider{md: md, expires: now.Add(discoveryTTL)}
	if md.MTLSEndpointAliases != nil {
		p.mtls = *md.MTLSEndpointAliases
	}
	c.mu.Lock()
	c.providers[iss] = p
	c.mu.Unlock()
	return p, nil
}

// decodeMetadata reads a discovery document. A member of the wrong type
// is dropped as if absent instead of failing the whole document: the
// client reads only the issuer and the endpoints (and requires those it
// needs), and an OP's slip in a member it never reads, such as a flag
// published as the string "true", must not stop every login.
func decodeMetadata(doc []byte) (oidc.Metadata, error) {
	var md oidc.Metadata
	err := json.Unmarshal(doc, &md)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return md, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(doc, &members); err != nil {
		return oidc.Metadata{}, err
	}
	for k, v := range members {
		one, _ := json.Marshal(map[string]json.RawMessage{k: v})
		if json.Unmarshal(one, new(oidc.Metadata)) != nil {
			delete(members, k)
		}
	}
	clean, _ := json.Marshal(members)
	md = oidc.Metadata{}
	return md, json.Unmarshal(clean, &md)
}

// checkIssuer applies Config.AllowedIssuers and the https rule to an issuer
// taken from the browser. OIDC Discovery §3: an https URL with no query or
// fragment.
func (c *Client) checkIssuer(iss string) error {
	if len(c.cfg.AllowedIssuers) > 0 && !slices.Contains(c.cfg.AllowedIssuers, iss) {
		return invalid(ErrIssuerNotAllowed, "issuer is not in AllowedIssuers")
	}
	u, err := url.Parse(iss)
	if err != nil || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return invalid(ErrIssuerNotAllowed, "issuer is not a URL without query and fragment")
	}
	return c.checkURL(iss)
}

// checkURL accepts https URLs, and http ones on loopback hosts or with
// InsecureAllowHTTP.
func (c *Client) checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return invalid(ErrIssuerNotAllowed, "OP URL is not absolute")
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (c.cfg.InsecureAllowHTTP || isLoopback(u.Hostname())):
		return nil
	}
	return invalid(ErrIssuerNotAllowed, "OP URL is not https")
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// endpoint picks the mTLS alias (RFC 8705 §5) of an endpoint for
// tls_client_auth clients, falling back to the plain endpoint as
// openid-client does.
func (c *Client) endpoint(plain, alias string) string {
	if c.cfg.AuthMethod == TLSClientAuth && alias != "" {
		return alias
	}
	return plain
}

// verificationKeys returns the OP's public signing keys matching kid (all
// signing keys when kid is empty). On an unknown kid it refetches the set
// once, so a rotated key is picked up without waiting for the cache.
func (c *Client) verificationKeys(ctx context.Context, p *provider, kid string) ([]jose.JSONWebKey, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fetched := false
	if p.keys == nil || !c.now().Before(p.keysExpires) {
		if err := c.fetchKeys(ctx, p); err != nil {
			return nil, err
		}
		fetched = true
	}
	for {
		var out []jose.JSONWebKey
		for _, k := range p.keys {
			if kid == "" || k.KeyID == kid {
				out = append(out, k)
			}
		}
		if len(out) > 0 || fetched {
			return out, nil
		}
		if err := c.fetchKeys(ctx, p); err != nil {
			return nil, err
		}
		fetched = true
	}
}

// fetchKeys loads jwks_uri and keeps the RSA public keys usable for PS256
// signatures (use "sig" or unset, alg "PS256" or unset).
func (c *Client) fetchKeys(ctx context.Context, p *provider) error {
	var set jose.JSONWebKeySet
	if err := c.get(ctx, "jwks", p.md.JWKSURI, "", &set); err != nil {
		return err
	}
	keys := []jose.JSONWebKey{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" || k.Algorithm != "" && k.Algorithm != string(jose.PS256) {
			continue
		}
		pub := k.Public()
		if _, ok := pub.Key.(*rsa.PublicKey); !ok || !pub.Valid() {
			continue
		}
		keys = append(keys, pub)
	}
	p.keys, p.keysExpires = keys, c.now().Add(discoveryTTL)
	return nil
}
