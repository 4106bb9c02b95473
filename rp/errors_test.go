package rp

import (
	"context"
	"errors"
	"testing"
)

var sentinels = []error{ErrInvalidArgument, ErrIssuerNotAllowed, ErrDiscovery, ErrMalformed, ErrEncryption, ErrSignature,
	ErrIssuerMismatch, ErrAudience, ErrExpired, ErrNotYetValid, ErrStateMismatch, ErrNonceMismatch, ErrAtHashMismatch,
	ErrSubjectMismatch}

// matches returns the sentinels err is.
func matches(err error) []error {
	var out []error
	for _, s := range sentinels {
		if errors.Is(err, s) {
			out = append(out, s)
		}
	}
	return out
}

// Each failed ID token check is a *ValidationError that errors.Is matches
// to exactly one sentinel, the check's (the flow tests cover the others
// through rptest's failures).
func TestIDTokenErrorKinds(t *testing.T) {
	fx := newJOSEFixture(t)
	now := fx.c.now().Unix()
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": fx.p.md.Issuer, "aud": "client", "sub": "u", "exp": now + 60, "iat": now,
			"nonce": "n", "at_hash": atHash("at")}
		if mod != nil {
			mod(c)
		}
		return c
	}
	for _, tt := range []struct {
		name    string
		token   string
		want    error
		wrapped bool // the go-jose or JSON cause is kept
	}{
		{"valid", fx.mint(claims(nil), true), nil, false},
		{"not encrypted", fx.mint(claims(nil), false), ErrEncryption, false},
		{"not a JWE", "a.b.c.d.e", ErrEncryption, true},
		{"other issuer", fx.mint(claims(func(c map[string]any) { c["iss"] = "https://evil.example" }), true), ErrIssuerMismatch, false},
		{"other audience", fx.mint(claims(func(c map[string]any) { c["aud"] = "someone" }), true), ErrAudience, false},
		{"azp another client", fx.mint(claims(func(c map[string]any) { c["azp"] = "someone" }), true), ErrAudience, false},
		{"expired", fx.mint(claims(func(c map[string]any) { c["exp"] = now - 11 }), true), ErrExpired, false},
		{"nbf ahead", fx.mint(claims(func(c map[string]any) { c["nbf"] = now + 11 }), true), ErrNotYetValid, false},
		{"iat ahead", fx.mint(claims(func(c map[string]any) { c["iat"] = now + 11 }), true), ErrNotYetValid, false},
		{"no exp", fx.mint(claims(func(c map[string]any) { delete(c, "exp") }), true), ErrMalformed, false},
		{"no sub", fx.mint(claims(func(c map[string]any) { delete(c, "sub") }), true), ErrMalformed, false},
		{"aud of the wrong type", fx.mint(claims(func(c map[string]any) { c["aud"] = 7 }), true), ErrMalformed, true},
		{"other nonce", fx.mint(claims(func(c map[string]any) { c["nonce"] = "m" }), true), ErrNonceMismatch, false},
		{"other at_hash", fx.mint(claims(func(c map[string]any) { c["at_hash"] = atHash("other") }), true), ErrAtHashMismatch, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := fx.c.parseIDToken(context.Background(), fx.p, tt.token, "n", "at")
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ve *ValidationError
			if got := matches(err); !errors.As(err, &ve) || len(got) != 1 || !errors.Is(got[0], tt.want) {
				t.Fatalf("err = %v, matches %v, want only %v", err, got, tt.want)
			}
			if (errors.Unwrap(err) != nil) != tt.wrapped {
				t.Errorf("Unwrap = %v, want a cause: %v", errors.Unwrap(err), tt.wrapped)
			}
		})
	}
}

// The Err… values are matched by identity, not by text, and nil matches
// nothing.
func TestValidationErrorIs(t *testing.T) {
	err := invalid(ErrExpired, "ID token has expired")
	if errors.Is(err, errors.New("rp: token expired")) || errors.Is(err, nil) || errors.Is(err, ErrNotYetValid) {
		t.Error("ValidationError matches another error")
	}
	if !errors.Is(err, ErrExpired) {
		t.Error("ValidationError does not match its kind")
	}
	if matches(&ValidationError{Reason: "x"}) != nil {
		t.Error("a ValidationError without a kind matches a sentinel")
	}
}
