package banks

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/rp"
)

// CallbackPath is where banks send the browser back to Signet: the
// redirect URI a project registers at each bank is Issuer + CallbackPath.
const CallbackPath = "/verify/callback"

// rpClients keeps one rp client per registered bank, so discovery
// documents and JWK sets are fetched once per bank rather than per login.
// An entry is rebuilt when the bank's record changes (UpdatedAt), which is
// also when its credentials may have.
type rpClients struct {
	mu sync.Mutex
	m  map[string]rpEntry // project ID + "/" + bank ID
}

type rpEntry struct {
	updated time.Time
	bank    *rp.Bank
}

// client returns project b's relying-party handle on its bank (an
// rp.Client of its own, for b.Issuer). The credentials are opened only to
// build one (a cache miss).
func (f *Flow) client(b store.Bank) (*rp.Bank, error) {
	key := b.ProjectID + "/" + b.ID
	f.clients.mu.Lock()
	defer f.clients.mu.Unlock()
	if e, ok := f.clients.m[key]; ok && e.updated.Equal(b.UpdatedAt) {
		return e.bank, nil
	}
	c, err := f.Registry.Sealer.Open(b.ProjectID, b.ID, b.SealedSecrets)
	if err != nil {
		return nil, err
	}
	bank, err := newRP(b, c, f.Issuer+CallbackPath, f.Timeout, f.HTTPClient)
	if err != nil {
		return nil, err
	}
	if f.clients.m == nil {
		f.clients.m = map[string]rpEntry{}
	}
	f.clients.m[key] = rpEntry{updated: b.UpdatedAt, bank: bank}
	return bank, nil
}

// newRP builds the relying-party handle on bank b with credentials c, for
// redirectURL: the flow's, and the onboarding checks' (Checker).
func newRP(b store.Bank, c Credentials, redirectURL string, timeout time.Duration, hc *http.Client) (*rp.Bank, error) {
	cfg := rp.Config{
		ClientID:     b.ClientID,
		RedirectURL:  redirectURL,
		AuthMethod:   rp.AuthMethod(b.AuthMethod),
		ClientSecret: rp.Secret(c.ClientSecret),
		// The issuer comes back from the browser (the selector's iss);
		// this client talks to its own bank and to no other URL.
		AllowedIssuers: []string{b.Issuer},
		Timeout:        timeout,
		HTTPClient:     hc,
	}
	if len(c.JWKS) > 0 {
		k, err := rp.ParsePrivateJWKS(c.JWKS)
		if err != nil {
			return nil, fmt.Errorf("banks: JWKS of %s: %w", b.ID, err)
		}
		cfg.Keys = k
	}
	if c.TLSClientCert != "" || b.TLSServerCA != "" {
		cert, roots, err := rp.LoadTLS([]byte(c.TLSClientCert), []byte(c.TLSClientKey), []byte(b.TLSServerCA))
		if err != nil {
			return nil, fmt.Errorf("banks: TLS settings of %s: %w", b.ID, err)
		}
		cfg.TLSCertificate, cfg.RootCAs = cert, roots
	}
	if cfg.TLSCertificate != nil || cfg.RootCAs != nil {
		// A shared HTTP client cannot present this bank's certificate
		// or trust its CA: the rp package builds a transport that does.
		cfg.HTTPClient = nil
	}
	cl, err := rp.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("banks: client for %s: %w", b.ID, err)
	}
	return cl.Bank(b.Issuer), nil
}
