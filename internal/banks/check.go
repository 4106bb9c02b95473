package banks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
	"github.com/signet-id/signet/rp"
)

// CheckError is a bank that failed an onboarding check (Check): what was
// found and the fix, safe to show the operator. Check names the check:
// discovery, jarm, auth_method, keys, redirect_uri, credentials or par.
type CheckError struct {
	Check string
	Msg   string
}

func (e *CheckError) Error() string { return e.Msg }

func checkFailed(check, format string, args ...any) error {
	return &CheckError{Check: check, Msg: fmt.Sprintf(format, args...)}
}

// checkTimeout bounds each request of the checks.
const checkTimeout = 10 * time.Second

// Check tries bank in as the verification flow will use it, before it is
// saved, so that a bank added works the first time: the bank's discovery
// document is reachable and names this issuer (OIDC Discovery §4.3) with
// the endpoints the flow needs; the bank offers JWT-secured responses
// (JARM, response_mode jwt) and the client's authentication method; keys
// given hold an encryption key when the bank encrypts its answers; and a
// dry-run pushed authorization request (RFC 9126), made exactly as the
// flow makes one, is accepted, which proves the credentials and that
// redirectURL is registered for the client. The pushed request is never
// used and expires at the bank. Failures are *InvalidError (the input)
// or *CheckError (the bank), each naming the fix. hc nil: the rp
// package's own client.
func Check(ctx context.Context, in Input, redirectURL string, hc *http.Client) error {
	b := store.Bank{ID: "bank-check", Issuer: in.Issuer, DisplayName: in.DisplayName, LogoURL: in.LogoURL,
		PrimaryColor: in.PrimaryColor, BackgroundColor: in.BackgroundColor, ClientID: in.ClientID,
		AuthMethod: in.AuthMethod, TLSServerCA: in.TLSServerCA, MaxAge: in.MaxAge}
	if err := check(&b, in.Credentials); err != nil {
		return err
	}
	bank, err := newRP(b, in.Credentials, redirectURL, checkTimeout, hc)
	if err != nil {
		return &InvalidError{Msg: err.Error()}
	}
	md, err := bank.Metadata(ctx)
	if err != nil {
		return discoveryFailure(in.Issuer, err)
	}
	if len(md.ResponseModesSupported) > 0 && !slices.Contains(md.ResponseModesSupported, "jwt") {
		return checkFailed("jarm", "The bank at %s does not offer JWT-secured responses (JARM, response_mode jwt), which Signet's bank flow requires: it offers %s.",
			in.Issuer, strings.Join(md.ResponseModesSupported, ", "))
	}
	if m := md.TokenEndpointAuthMethodsSupported; len(m) > 0 && !slices.Contains(m, in.AuthMethod) {
		return checkFailed("auth_method", "The bank does not accept %s client authentication; it accepts %s: choose one of those as the auth method, with its credentials.",
			in.AuthMethod, strings.Join(m, ", "))
	}
	if len(md.AuthorizationEncryptionAlgValuesSupported) > 0 && len(in.Credentials.JWKS) > 0 && !hasEncryptionKey(in.Credentials.JWKS) {
		return checkFailed("keys", "The bank encrypts its answers to the client's keys, and the JWKS given has no encryption key (use enc): give the client's whole private JWKS (--jwks FILE, or --from FILE --setup NAME).")
	}
	if _, err := bank.PushAuthorization(ctx, rp.NewProofs(), rp.WithScopes("openid")); err != nil {
		return parFailure(in, redirectURL, err)
	}
	return nil
}

// hasEncryptionKey reports whether the private JWKS holds a key for
// decrypting (use enc, or an RSA-OAEP / ECDH-ES alg).
func hasEncryptionKey(set []byte) bool {
	var ks jose.JSONWebKeySet
	if err := json.Unmarshal(set, &ks); err != nil {
		return false
	}
	for _, k := range ks.Keys {
		if k.Use == "enc" || strings.HasPrefix(k.Algorithm, "RSA-OAEP") || strings.HasPrefix(k.Algorithm, "ECDH-ES") {
			return true
		}
	}
	return false
}

// discoveryFailure names the fix for a discovery document that could not
// be had or used.
func discoveryFailure(issuer string, err error) error {
	var te *rp.TransportError
	switch {
	case errors.As(err, &te):
		return checkFailed("discovery", "Could not read the bank's discovery document at %s/.well-known/openid-configuration (%v): check the issuer URL, that the bank is running and reachable from here, and the TLS server CA for a bank with a private CA.",
			strings.TrimSuffix(issuer, "/"), te)
	case errors.Is(err, rp.ErrDiscovery):
		return checkFailed("discovery", "The bank's discovery document does not fit issuer %s (%v): give the issuer exactly as the bank publishes it (same scheme, host, port and path, no trailing slash).", issuer, err)
	}
	return checkFailed("discovery", "The bank's discovery document could not be used: %v.", err)
}

// parFailure names the fix for a refused dry-run pushed request.
func parFailure(in Input, redirectURL string, err error) error {
	var (
		oe *rp.OAuthError
		te *rp.TransportError
	)
	switch {
	case errors.As(err, &oe):
		desc := strings.ToLower(oe.Description)
		switch {
		case oe.Code == "invalid_redirect_uri" || strings.Contains(desc, "redirect"):
			return checkFailed("redirect_uri", "The bank does not accept Signet's redirect URI %s for client %s (%s): register it at the bank for that client (the sandbox bank: sandbox-bank --rp-redirect %s), or give the URL Signet is reached at.",
				redirectURL, in.ClientID, oe.Code, redirectURL)
		case oe.Code == oidc.InvalidClient || oe.Code == oidc.UnauthorizedClient || oe.StatusCode == http.StatusUnauthorized:
			return checkFailed("credentials", "The bank refused client %s's credentials (%s): check the client ID and the %s credentials (secret, certificate or keys).",
				in.ClientID, oe.Code, in.AuthMethod)
		case strings.Contains(desc, "request object") || strings.Contains(desc, "signed"):
			return checkFailed("keys", "The bank wants signed request objects from client %s (%s): give the client's private keys (--jwks FILE, or --from FILE --setup NAME).",
				in.ClientID, oe.Code)
		}
		if oe.Code == oidc.InvalidRequest {
			return checkFailed("par", "The bank refused a test authorization request (%s: %s): most often the redirect URI %s is not registered at the bank for client %s; register it there.",
				oe.Code, oe.Description, redirectURL, in.ClientID)
		}
		return checkFailed("par", "The bank refused a test authorization request (%s: %s).", oe.Code, oe.Description)
	case errors.As(err, &te):
		return checkFailed("par", "The bank's pushed authorization request endpoint could not be reached or answered badly (%v): check the bank, and for tls_client_auth the client certificate.", te)
	}
	return checkFailed("par", "A test authorization request to the bank failed: %v.", err)
}
