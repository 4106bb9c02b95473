package oidc

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// CodeChallengeS256 is the one PKCE method Signet accepts (RFC 7636 §4.2;
// RFC 9700 §2.1.1 advises against plain).
const CodeChallengeS256 = "S256"

// S256Challenge returns BASE64URL-ENCODE(SHA256(ASCII(verifier))), the S256
// code_challenge of a code_verifier (RFC 7636 §4.2).
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ValidCodeVerifier reports whether v has the syntax of RFC 7636 §4.1:
// 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
func ValidCodeVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		unreserved := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
		if !unreserved {
			return false
		}
	}
	return true
}

// VerifyS256 reports whether verifier is well formed ([ValidCodeVerifier])
// and its S256 challenge ([S256Challenge]) equals challenge (RFC 7636 §4.6),
// comparing in constant time.
func VerifyS256(verifier, challenge string) bool {
	if !ValidCodeVerifier(verifier) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(S256Challenge(verifier)), []byte(challenge)) == 1
}
