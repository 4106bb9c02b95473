package oidc

import (
	"strings"
	"testing"
)

func TestPKCE(t *testing.T) {
	// RFC 7636 Appendix B.
	const verifier, challenge = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if got := S256Challenge(verifier); got != challenge {
		t.Fatalf("S256Challenge = %s, want %s", got, challenge)
	}
	for _, tt := range []struct {
		name      string
		verifier  string
		challenge string
		want      bool
	}{
		{"RFC 7636 example", verifier, challenge, true},
		{"wrong verifier", verifier[:42] + "Y", challenge, false},
		{"empty challenge", verifier, "", false},
		{"42 characters", verifier[:42], S256Challenge(verifier[:42]), false},
		{"128 characters", strings.Repeat("a~._-", 25) + "abc", S256Challenge(strings.Repeat("a~._-", 25) + "abc"), true},
		{"129 characters", strings.Repeat("a", 129), S256Challenge(strings.Repeat("a", 129)), false},
		{"reserved character", verifier[:42] + "+", S256Challenge(verifier[:42] + "+"), false},
		{"verifier is the challenge", challenge, challenge, false},
	} {
		if got := VerifyS256(tt.verifier, tt.challenge); got != tt.want {
			t.Errorf("%s: VerifyS256 = %v, want %v", tt.name, got, tt.want)
		}
	}
}
