package apps

import (
	"testing"

	"github.com/signet-id/signet/internal/store"
)

func TestCheckRedirectURL(t *testing.T) {
	tests := []struct {
		url    string
		public bool
		ok     bool
	}{
		{"https://app.example/callback", false, true},
		{"https://app.example/callback?tenant=1", false, true},
		{"https://app.example:8443/cb", false, true},
		{"http://127.0.0.1/cb", false, true},
		{"http://127.0.0.1:8080/cb", false, true},
		{"http://[::1]:8080/cb", true, true},
		{"http://localhost:3000/cb", false, true},
		{"http://app.example/cb", false, false},           // https required
		{"https://app.example/cb#frag", false, false},     // RFC 6749 §3.1.2
		{"https://app.example/cb#", false, false},         // empty fragment too
		{"/callback", false, false},                       // not absolute
		{"app.example/callback", false, false},            // no scheme
		{"https://user:pw@app.example/cb", false, false},  // userinfo
		{"https:///cb", false, false},                     // no host
		{"https://app.example/a b", false, false},         // space
		{"com.example.app:/oauth2redirect", true, true},   // RFC 8252 §7.1
		{"com.example.app:/oauth2redirect", false, false}, // only for public clients
		{"myapp:/callback", true, false},                  // not a reverse domain name
		{"javascript:alert(1)", true, false},              // no dot: refused
		{"data:text/html,hi", true, false},                // same
		{"file:///etc/passwd", true, false},               // same
		{"", false, false},
	}
	for _, tt := range tests {
		err := checkRedirectURL(tt.url, tt.public)
		if (err == nil) != tt.ok {
			t.Errorf("checkRedirectURL(%q, public=%v) = %v, want ok=%v", tt.url, tt.public, err, tt.ok)
		}
	}
}

func TestRedirectMatches(t *testing.T) {
	registered := []string{
		"https://app.example/cb",
		"https://app.example/q?x=1",
		"http://127.0.0.1/native",
		"http://[::1]:9000/native6",
		"http://localhost/dev",
		"com.example.app:/oauth2redirect",
	}
	confidential := store.ConnectedApp{Type: TypeThirdParty, RedirectURLs: registered}
	public := store.ConnectedApp{Type: TypeFirstPartyPublic, RedirectURLs: registered}
	tests := []struct {
		name           string
		uri            string
		confidentialOK bool
		publicOK       bool
	}{
		{"exact", "https://app.example/cb", true, true},
		{"exact with query", "https://app.example/q?x=1", true, true},
		{"query added", "https://app.example/cb?x=1", false, false},
		{"query changed", "https://app.example/q?x=2", false, false},
		{"trailing slash", "https://app.example/cb/", false, false},
		{"path suffix", "https://app.example/cb/evil", false, false},
		{"case of host", "https://APP.example/cb", false, false},
		{"default port spelled out", "https://app.example:443/cb", false, false},
		{"fragment", "https://app.example/cb#x", false, false},
		{"loopback exact", "http://127.0.0.1/native", true, true},
		{"loopback any port, public only", "http://127.0.0.1:51234/native", false, true},
		{"loopback port, other path", "http://127.0.0.1:51234/other", false, false},
		{"loopback port, query added", "http://127.0.0.1:51234/native?x=1", false, false},
		{"loopback port, fragment", "http://127.0.0.1:51234/native#x", false, false},
		{"loopback v6 other port", "http://[::1]:51234/native6", false, true},
		{"loopback v4 for v6 registration", "http://127.0.0.1:9000/native6", false, false},
		{"localhost exact", "http://localhost/dev", true, true},
		{"localhost other port: no exception", "http://localhost:51234/dev", false, false},
		{"https loopback is not the exception", "https://127.0.0.1:51234/native", false, false},
		{"userinfo on loopback", "http://u@127.0.0.1:51234/native", false, false},
		{"private-use scheme exact", "com.example.app:/oauth2redirect", true, true},
		{"unregistered", "https://evil.example/cb", false, false},
		{"empty", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedirectMatches(confidential, tt.uri); got != tt.confidentialOK {
				t.Errorf("confidential client: RedirectMatches(%q) = %v, want %v", tt.uri, got, tt.confidentialOK)
			}
			if got := RedirectMatches(public, tt.uri); got != tt.publicOK {
				t.Errorf("public client: RedirectMatches(%q) = %v, want %v", tt.uri, got, tt.publicOK)
			}
		})
	}
}

// FuzzRedirectMatches checks that the loopback exception never matches a
// URI a registered one does not equal in everything but the port.
func FuzzRedirectMatches(f *testing.F) {
	f.Add("http://127.0.0.1:1234/native")
	f.Add("http://127.0.0.1:1234/native?x")
	f.Add("http://[::1]:80/native")
	f.Add("http://127.0.0.1@evil.example/native")
	public := store.ConnectedApp{Type: TypeThirdPartyPublic, RedirectURLs: []string{"http://127.0.0.1/native"}}
	f.Fuzz(func(t *testing.T, uri string) {
		if !RedirectMatches(public, uri) || uri == "http://127.0.0.1/native" {
			return
		}
		u, ok := loopbackIPURL(uri)
		if !ok || u.Hostname() != "127.0.0.1" || u.EscapedPath() != "/native" || u.RawQuery != "" || u.User != nil {
			t.Fatalf("%q matched the loopback registration", uri)
		}
	})
}
