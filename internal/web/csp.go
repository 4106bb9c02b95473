package web

import (
	"net/url"
	"strings"
)

// CSPSource is the CSP source expression for a URL's origin (a redirect
// URI, an Origin URL, a bank's issuer): the scheme, host and port of an
// http(s) URL, or the scheme alone for a private-use scheme or where a
// host source cannot express the origin (IPv6 literals); "" for no URL.
func CSPSource(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return ""
	}
	for _, c := range u.Scheme {
		schemeChar := 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
		if !schemeChar {
			return ""
		}
	}
	if (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(u.Host, "[]") && isHostSource(u.Host) {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + ":"
}

func isHostSource(host string) bool {
	for _, c := range host {
		hostChar := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':'
		if !hostChar {
			return false
		}
	}
	return true
}

// CSP is a hosted page's Content-Security-Policy, written in one place so
// every page gets the same base: everything from this server only, no
// plugins, no <base>, no framing. The zero value is the strictest policy the
// pages use (no script, styles and images from here, no form submissions).
type CSP struct {
	// Script allows script from this server (the form_post page's
	// external script; never inline script).
	Script bool
	// Styles are extra style-src sources, such as an inline <style>'s hash.
	Styles []string
	// HTTPSImages allows images from any https origin (a brand's logo).
	HTTPSImages bool
	// FormAction lists where forms may submit; empty means 'none'.
	// Chromium applies form-action to every redirect that follows a
	// submission too, so a page that posts here and is answered with a
	// redirect elsewhere must list that target.
	FormAction []string
}

// String is the header value.
func (c CSP) String() string {
	var b strings.Builder
	b.WriteString("default-src 'self'; script-src ")
	if c.Script {
		b.WriteString("'self'")
	} else {
		b.WriteString("'none'")
	}
	b.WriteString("; object-src 'none'; style-src 'self'")
	for _, s := range c.Styles {
		b.WriteString(" " + s)
	}
	b.WriteString("; img-src 'self'")
	if c.HTTPSImages {
		b.WriteString(" https:")
	}
	b.WriteString("; base-uri 'none'; frame-ancestors 'none'; form-action ")
	if len(c.FormAction) == 0 {
		b.WriteString("'none'")
	} else {
		b.WriteString(strings.Join(c.FormAction, " "))
	}
	return b.String()
}
