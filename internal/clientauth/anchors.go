package clientauth

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/store"
)

// Projects reads a project's settings (store.Projects).
type Projects interface {
	Project(ctx context.Context, id string) (store.Project, error)
}

// TrustAnchors holds the certificates PKI tls_client_auth chains are
// verified against (RFC 8705 §2.1): the project's, which the operator sets
// (`signet project set --tls-client-auth-trust-anchors`), and a client's
// own (tls_client_auth_trust_anchors), where it needs more. Both are
// parsed once: the project's kept for TTL and forgotten when the project
// changes (Forget), the client's per version of the client.
type TrustAnchors struct {
	Projects Projects
	TTL      time.Duration // default DefaultAnchorTTL
	Now      func() time.Time

	mu       sync.Mutex
	projects map[string]projectAnchors
	clients  map[string]clientAnchors
}

// DefaultAnchorTTL bounds how long a project's trust anchors are used
// after a change whose notification was lost.
const DefaultAnchorTTL = 30 * time.Second

type projectAnchors struct {
	certs   []*x509.Certificate
	expires time.Time
}

type clientAnchors struct {
	certs   []*x509.Certificate
	version time.Time
}

// errNoAnchors: neither the project nor the client names a trust anchor,
// so no PKI certificate can be trusted.
var errNoAnchors = errors.New("no trust anchors configured for tls_client_auth")

// pool returns the roots a certificate of c must chain to.
func (t *TrustAnchors) pool(ctx context.Context, c store.ConnectedApp) (*x509.CertPool, error) {
	proj, err := t.project(ctx, c.ProjectID)
	if err != nil {
		return nil, err
	}
	own, err := t.client(c)
	if err != nil {
		return nil, err
	}
	if len(proj)+len(own) == 0 {
		return nil, errNoAnchors
	}
	p := x509.NewCertPool()
	for _, cert := range append(proj, own...) {
		p.AddCert(cert)
	}
	return p, nil
}

func (t *TrustAnchors) project(ctx context.Context, id string) ([]*x509.Certificate, error) {
	now := t.now()
	t.mu.Lock()
	e, ok := t.projects[id]
	t.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.certs, nil
	}
	p, err := t.Projects.Project(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("clientauth: trust anchors of %s: %w", id, err)
	}
	e = projectAnchors{expires: now.Add(t.ttl())}
	if p.TLSClientAuthTrustAnchors != "" {
		if e.certs, err = apps.ParseTrustAnchors(p.TLSClientAuthTrustAnchors); err != nil {
			return nil, fmt.Errorf("clientauth: trust anchors of %s: %w", id, err)
		}
	}
	t.mu.Lock()
	if t.projects == nil {
		t.projects = map[string]projectAnchors{}
	}
	t.projects[id] = e
	t.mu.Unlock()
	return e.certs, nil
}

func (t *TrustAnchors) client(c store.ConnectedApp) ([]*x509.Certificate, error) {
	if c.TLSClientAuthTrustAnchors == "" {
		return nil, nil
	}
	t.mu.Lock()
	e, ok := t.clients[c.ClientID]
	t.mu.Unlock()
	if ok && e.version.Equal(c.UpdatedAt) {
		return e.certs, nil
	}
	certs, err := apps.ParseTrustAnchors(c.TLSClientAuthTrustAnchors)
	if err != nil {
		return nil, fmt.Errorf("clientauth: trust anchors of %s: %w", c.ClientID, err)
	}
	t.mu.Lock()
	if t.clients == nil {
		t.clients = map[string]clientAnchors{}
	}
	t.clients[c.ClientID] = clientAnchors{certs: certs, version: c.UpdatedAt}
	t.mu.Unlock()
	return certs, nil
}

// Forget drops a project's cached trust anchors (its settings changed).
func (t *TrustAnchors) Forget(projectID string) {
	t.mu.Lock()
	delete(t.projects, projectID)
	t.mu.Unlock()
}

func (t *TrustAnchors) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *TrustAnchors) ttl() time.Duration {
	if t.TTL > 0 {
		return t.TTL
	}
	return DefaultAnchorTTL
}

// verifyChain checks that cert chains, through the intermediates the
// client sent, to one of c's trust anchors, and is for client
// authentication (RFC 8705 §2.1: the PKI method "relies on a validated
// certificate chain").
func (t *TrustAnchors) verifyChain(ctx context.Context, c store.ConnectedApp, cert *x509.Certificate, intermediates []*x509.Certificate, now time.Time) error {
	roots, err := t.pool(ctx, c)
	if err != nil {
		return err
	}
	inter := x509.NewCertPool()
	for _, ic := range intermediates {
		inter.AddCert(ic)
	}
	_, err = cert.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	return err
}

// selfSignedMatches reports whether cert's public key is one of c's
// registered keys (RFC 8705 §2.2: the certificate is trusted because the
// client registered it, not through a chain; the TLS handshake proved the
// client holds its private key).
func (a *Authenticator) selfSignedMatches(ctx context.Context, c store.ConnectedApp, cert *x509.Certificate) (bool, error) {
	set, err := a.Keys.For(ctx, c)
	if err != nil {
		return false, err
	}
	// Every public key type of crypto/x509 has Equal.
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return false, nil
	}
	for _, k := range set.Keys {
		if k.Use == "enc" {
			continue
		}
		if pub.Equal(k.Key) {
			return true, nil
		}
	}
	return false, nil
}
