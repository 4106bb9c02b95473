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
