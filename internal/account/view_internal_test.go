package account

import (
	"slices"
	"strings"
	"testing"
)

// TestDevice: a User-Agent in a few words.
func TestDevice(t *testing.T) {
	tests := []struct{ ua, want string }{
		{"", ""},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iPhone"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on macOS"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Chrome on Linux"},
		{"curl/8.5.0", "curl/8.5.0"},
		{strings.Repeat("é", 100), strings.Repeat("é", 60) + "…"},
	}
	for _, tt := range tests {
		if got := device(tt.ua); got != tt.want {
			t.Errorf("device(%q) = %q, want %q", tt.ua, got, tt.want)
		}
	}
}

// TestConfirmed: what a bank's claims confirmed, in words, never the
// values.
func TestConfirmed(t *testing.T) {
	tests := []struct {
		claims string
		want   []string
	}{
		{``, nil},
		{`{}`, nil},
		{`not json`, nil},
		{`{"sub":"x","email":"a@b.example","email_verified":true}`, []string{"Your email address"}},
		{`{"family_name":"Lovelace","birthdate":"1815-12-10","address":{"country":"GB"},"age_over_18":true}`,
			[]string{"Your name", "Your date of birth", "Whether you are 18 or older", "Your postal address"}},
		{`{"name":null,"phone_number":"+15550100","x_tier":"gold"}`, []string{"Your phone number", "Other details"}},
	}
	for _, tt := range tests {
		if got := confirmed([]byte(tt.claims)); !slices.Equal(got, tt.want) {
			t.Errorf("confirmed(%s) = %q, want %q", tt.claims, got, tt.want)
		}
	}
}
