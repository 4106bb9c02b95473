package apps

import (
	"net"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// Connected App client types (Stytch API §5.4). The "_public" ones have no
// secret and must use PKCE (RFC 9700 §2.1.1); the first-party ones may skip
// consent and are the only ones allowed full_access_allowed and
// bypass_consent_for_offline_access.
const (
	TypeFirstParty       = "first_party"
	TypeFirstPartyPublic = "first_party_public"
	TypeThirdParty       = "third_party"
	TypeThirdPartyPublic = "third_party_public"
)

var connectedTypes = []string{TypeFirstParty, TypeFirstPartyPublic, TypeThirdParty, TypeThirdPartyPublic}

// IsPublic reports whether the client is a public client (RFC 6749 §2.1):
// it cannot keep a secret, so it authenticates with none and must use PKCE.
func IsPublic(c store.ConnectedApp) bool { return strings.HasSuffix(c.Type, "_public") }

// IsFirstParty reports whether the client belongs to the project's owner,
// so the user need not be asked to consent (except to offline access).
func IsFirstParty(c store.ConnectedApp) bool { return strings.HasPrefix(c.Type, "first_party") }

// Access-token lifetime in minutes: Stytch's default, and Signet's bounds
// (five minutes to one day; a longer-lived bearer token should be a
// refresh token).
const (
	DefaultAccessTokenExpiryMinutes = 60
	minAccessTokenExpiryMinutes     = 5
	maxAccessTokenExpiryMinutes     = 1440
)

// Limits on what a Connected App record holds; none is a Stytch-documented
// value.
const (
	maxRedirectURLs  = 20
	maxURLLen        = 2048
	maxAudienceLen   = 512
	maxTemplateBytes = 4096
)

// checkConnectedApp validates a whole client record, after create or
// update applied the request to it: each check in turn, in the order
// their errors take precedence.
func checkConnectedApp(c store.ConnectedApp) error {
	for _, check := range []func(store.ConnectedApp) error{
		checkClientKind,
		checkClientURLs,
		checkTokenSettings,
		checkClientMetadata,
	} {
		if err := check(c); err != nil {
			return err
		}
	}
	return nil
}

// checkClientKind checks the type, the texts, what only first-party
// clients may have and the token lifetime.
func checkClientKind(c store.ConnectedApp) error {
	if !slices.Contains(connectedTypes, c.Type) {
		return api.BadRequest("invalid_client_type", "client_type must be one of %s.", strings.Join(connectedTypes, ", "))
	}
	if err := checkText(c.Name, c.Description); err != nil {
		return err
	}
	if !IsFirstParty(c) && (c.FullAccessAllowed || c.BypassConsentForOfflineAccess) {
		return api.BadRequest("invalid_client_type",
			"full_access_allowed and bypass_consent_for_offline_access are only for first-party clients.")
	}
	if n := c.AccessTokenExpiryMinutes; n < minAccessTokenExpiryMinutes || n > maxAccessTokenExpiryMinutes {
		return api.BadRequest("invalid_access_token_expiry_minutes",
			"access_token_expiry_minutes must be between %d and %d.", minAccessTokenExpiryMinutes, maxAccessTokenExpiryMinutes)
	}
	return nil
}

// checkClientURLs checks the redirect, post-logout, origin and logo URLs.
func checkClientURLs(c store.ConnectedApp) error {
	for field, list := range map[string][]string{"redirect_urls": c.RedirectURLs, "post_logout_redirect_urls": c.PostLogoutRedirectURLs} {
		if len(list) > maxRedirectURLs {
			return api.BadRequest("invalid_"+field, "%s may hold at most %d URLs.", field, maxRedirectURLs)
		}
		for _, u := range list {
			if err := checkRedirectURL(u, IsPublic(c)); err != nil {
				return api.BadRequest("invalid_"+field, "%s: %q %s.", field, u, err.Error())
			}
		}
	}
	// Origin URLs receive the account selector's answer in a browser
	// redirect, like redirect URIs, but only over http(s): the rules of a
	// confidential client's redirect URI.
	if len(c.OriginURLs) > maxRedirectURLs {
		return api.BadRequest("invalid_origin_urls", "origin_urls may hold at most %d URLs.", maxRedirectURLs)
	}
	for _, u := range c.OriginURLs {
		if err := checkRedirectURL(u, false); err != nil {
			return api.BadRequest("invalid_origin_urls", "origin_urls: %q %s.", u, err.Error())
		}
	}
	if c.LogoURL != "" {
		if u, err := url.Parse(c.LogoURL); err != nil || len(c.LogoURL) > maxURLLen || u.Scheme != "https" || u.Host == "" || u.User != nil {
			return api.BadRequest("invalid_logo_url", "logo_url must be an https URL of at most %d bytes.", maxURLLen)
		}
	}
	return nil
}

// checkTokenSettings checks the custom audience and the token templates.
func checkTokenSettings(c store.ConnectedApp) error {
	if len(c.AccessTokenCustomAudience) > maxAudienceLen || (c.AccessTokenCustomAudience != "" && !isVisibleASCII(c.AccessTokenCustomAudience)) {
		return api.BadRequest("invalid_access_token_custom_audience",
			"access_token_custom_audience must be at most %d visible ASCII characters.", maxAudienceLen)
	}
	for _, t := range [...]string{c.AccessTokenTemplate, c.IDTokenTemplate} {
		if len(t) > maxTemplateBytes || !utf8.ValidString(t) {
			return api.BadRequest("invalid_template_content", "Token templates must be valid UTF-8 of at most %d bytes.", maxTemplateBytes)
		}
	}
	return nil
}

// redirectError says why a redirect URL was refused.
type redirectError string

func (e redirectError) Error() string { return string(e) }

// checkRedirectURL applies the registration rules for redirection
// endpoints:
//   - absolute and without a fragment (RFC 6749 §3.1.2), no userinfo;
//   - https, or http only to a loopback host (RFC 9700 §2.6, RFC 8252
//     §7.3; "localhost" is allowed for development but gets no port
//     exception at authorization time, RFC 8252 §8.3);
//   - for public (native) clients also a private-use scheme, which must
//     be a reverse domain name, i.e. contain a dot (RFC 8252 §7.1). That
//     rule also keeps out javascript:, data: and file:.
func checkRedirectURL(raw string, public bool) error {
	if len(raw) > maxURLLen || !isVisibleASCII(raw) {
		return redirectError("must be 1 to 2048 visible ASCII characters")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return redirectError("is not an absolute URL")
	}
	if strings.Contains(raw, "#") {
		return redirectError("must not have a fragment (RFC 6749 §3.1.2)")
	}
	if u.User != nil {
		return redirectError("must not carry userinfo")
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return redirectError("has no host")
		}
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return redirectError("must use https unless the host is a loopback address (RFC 9700 §2.6)")
		}
	default:
		if !public {
			return redirectError("uses a private-use scheme, which only public (native) clients may register (RFC 8252 §7.1)")
		}
		if !strings.Contains(u.Scheme, ".") {
			return redirectError("uses a private-use scheme that is not a reverse domain name such as com.example.app (RFC 8252 §7.1)")
		}
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RedirectMatches reports whether redirectURI, as sent in an authorization
// request, is one of the client's registered redirect URLs.
//
// Matching is by exact string comparison (RFC 9700 §2.1, OpenID Connect
// Core §3.1.2.1), with one exception: for a public client, a redirect to
// the loopback IP literals http://127.0.0.1 or http://[::1] matches a
// registered one that differs only in the port, because a native app
// listens on whatever port the OS gives it (RFC 8252 §7.3). "localhost"
// gets no such exception (RFC 8252 §8.3).
func RedirectMatches(c store.ConnectedApp, redirectURI string) bool {
	if slices.Contains(c.RedirectURLs, redirectURI) {
		return true
	}
	if !IsPublic(c) {
		return false
	}
	req, ok := loopbackIPURL(redirectURI)
	if !ok {
		return false
	}
	for _, registered := range c.RedirectURLs {
		reg, ok := loopbackIPURL(registered)
		if ok && reg.Hostname() == req.Hostname() && reg.EscapedPath() == req.EscapedPath() && reg.RawQuery == req.RawQuery &&
			reg.ForceQuery == req.ForceQuery {
			return true
		}
	}
	return false
}

// loopbackIPURL parses an http URL whose host is exactly 127.0.0.1 or
// [::1] (RFC 8252 §7.3 names these two), without userinfo or fragment.
func loopbackIPURL(raw string) (*url.URL, bool) {
	if strings.Contains(raw, "#") {
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Opaque != "" {
		return nil, false
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "::1" {
		return nil, false
	}
	return u, true
}
