package web

import "testing"

func TestCSPSource(t *testing.T) {
	tests := map[string]string{
		"https://app.example/cb?x=1":      "https://app.example",
		"https://app.example:8443/cb":     "https://app.example:8443",
		"http://127.0.0.1:5555/native":    "http://127.0.0.1:5555",
		"http://[::1]:5555/native":        "http:",
		"com.example.app:/oauth2redirect": "com.example.app:",
		"no scheme":                       "",
	}
	for in, want := range tests {
		if got := CSPSource(in); got != want {
			t.Errorf("CSPSource(%q) = %q, want %q", in, got, want)
		}
	}
}
