package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/signet-id/signet/rp"
)

// rpFile is the "sandbox bank RP file" that `signet sandbox-bank` writes
// (sandbox-bank-rp.json). Expected fields, read tolerantly:
//
//	{
//	  "issuer": "https://localhost:8443",          // the bank OP's issuer
//	  "mtls_base_url": "https://localhost:8444",   // informational: discovery publishes the mTLS aliases
//	  "tls_server_ca": "-----BEGIN CERTIFICATE-----…", // or "server_ca_pem" / "ca_pem" / "server_ca": CA of the OP's TLS certificates
//	  "account_selector_url": "https://…",         // optional; without it /button/oauth goes straight to the issuer
//	  "clients": {                                 // a map by name (basic, mtls, private_key_jwt, plain), or a list with "name"
//	    "basic": {
//	      "client_id": "…", "client_secret": "…",
//	      "token_endpoint_auth_method": "client_secret_basic", // or tls_client_auth, private_key_jwt
//	      "redirect_uris": ["http://localhost:3001/button/oauth/callback"],
//	      "jwks": {"keys": […]},                     // private JWK set (object or JSON string); optional
//	      "tls_client_cert": "-----BEGIN…", "tls_client_key": "-----BEGIN…" // PEM, for tls_client_auth
//	    }
//	  },
//	  "test_users": [...]                          // ignored
//	}
type rpFile struct {
	Issuer             string          `json:"issuer"`
	MTLSBaseURL        string          `json:"mtls_base_url"`
	TLSServerCA        string          `json:"tls_server_ca"`
	ServerCAPEM        string          `json:"server_ca_pem"`
	CAPEM              string          `json:"ca_pem"`
	ServerCA           string          `json:"server_ca"`
	AccountSelectorURL string          `json:"account_selector_url"`
	Clients            json.RawMessage `json:"clients"`
}

type rpClient struct {
	Name         string          `json:"name"`
	ClientID     string          `json:"client_id"`
	ClientSecret string          `json:"client_secret"`
	AuthMethod   string          `json:"token_endpoint_auth_method"`
	RedirectURIs []string        `json:"redirect_uris"`
	JWKS         json.RawMessage `json:"jwks"`
	TLSCert      string          `json:"tls_client_cert"`
	TLSKey       string          `json:"tls_client_key"`
}

// loadConfig reads path and returns the issuer, the selector URL and the rp
// configuration of the client called name (when name is empty: the only
// client, or "basic").
func loadConfig(path, name string) (issuer, selector string, cfg rp.Config, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", cfg, err
	}
	var f rpFile
	if err := json.Unmarshal(data, &f); err != nil {
		return "", "", cfg, fmt.Errorf("%s: %w", path, err)
	}
	clients := map[string]rpClient{}
	var list []rpClient
	if json.Unmarshal(f.Clients, &clients) != nil {
		clients = map[string]rpClient{}
		if err := json.Unmarshal(f.Clients, &list); err != nil {
			return "", "", cfg, errors.New(`"clients" is neither an object nor a list`)
		}
		for i, c := range list {
			if c.Name == "" {
				c.Name = fmt.Sprint(i)
			}
			clients[c.Name] = c
		}
	}
	names := make([]string, 0, len(clients))
	for n := range clients {
		names = append(names, n)
	}
	sort.Strings(names)
	if name == "" && len(names) == 1 {
		name = names[0]
	} else if name == "" {
		name = "basic"
	}
	c, ok := clients[name]
	if !ok || c.ClientID == "" || len(c.RedirectURIs) == 0 {
		return "", "", cfg, fmt.Errorf("no usable client %q (have %v)", name, names)
	}
	cfg = rp.Config{
		ClientID: c.ClientID, ClientSecret: rp.Secret(c.ClientSecret), RedirectURL: c.RedirectURIs[0],
		AuthMethod: rp.AuthMethod(c.AuthMethod), AllowedIssuers: []string{f.Issuer}, Scopes: scopes,
	}
	if cfg.TLSCertificate, cfg.RootCAs, err = rp.LoadTLS([]byte(c.TLSCert), []byte(c.TLSKey), []byte(f.TLSServerCA+f.ServerCAPEM+f.CAPEM+f.ServerCA)); err != nil {
		return "", "", cfg, err
	}
	if jwks := c.JWKS; len(jwks) > 0 && string(jwks) != "null" {
		var s string
		if json.Unmarshal(jwks, &s) == nil {
			jwks = []byte(s)
		}
		if cfg.Keys, err = rp.ParsePrivateJWKS(jwks); err != nil {
			return "", "", cfg, err
		}
	}
	return f.Issuer, f.AccountSelectorURL, cfg, nil
}
