package password

import (
	"strings"
	"testing"
)

func TestPolicyCheck(t *testing.T) {
	for _, tc := range []struct {
		pw, email   string
		valid       bool
		missingChar int
		missingCplx int
		warning     string
	}{
		{pw: "", valid: false, missingChar: 8, missingCplx: 3},
		{pw: "short1A", valid: false, missingChar: 1},
		{pw: "alllowercaseletters", valid: false, missingCplx: 2},
		{pw: "Password1!", valid: false, warning: "common"},
		{pw: "Qwerty123", valid: false, warning: "common"},
		{pw: "Jane.Doe-2024x", email: "jane.doe@example.com", valid: false, warning: "email"},
		{pw: "Tr0ub4dor&3x", valid: true},
		{pw: "correct Horse battery 9", valid: true},
		{pw: "ÄÖÜäöü12", valid: true}, // Unicode letters count as their case
		{pw: strings.Repeat("aA1!", 65), valid: false, warning: "too long"},
	} {
		s := DefaultPolicy.Check(tc.pw, tc.email)
		if s.Valid != tc.valid || s.LUDS.MissingCharacters != tc.missingChar || s.LUDS.MissingComplexity != tc.missingCplx {
			t.Errorf("Check(%q) = valid %v missing chars %d complexity %d; want %v %d %d",
				tc.pw, s.Valid, s.LUDS.MissingCharacters, s.LUDS.MissingComplexity, tc.valid, tc.missingChar, tc.missingCplx)
		}
		if !strings.Contains(strings.ToLower(s.Warning), tc.warning) {
			t.Errorf("Check(%q) warning = %q, want it to mention %q", tc.pw, s.Warning, tc.warning)
		}
		if !s.Valid && len(s.Suggestions) == 0 {
			t.Errorf("Check(%q) is invalid but suggests nothing", tc.pw)
		}
	}
}

func TestScoreOrdersPasswords(t *testing.T) {
	weak := DefaultPolicy.Check("aaaaaaaa", "").Score
	medium := DefaultPolicy.Check("Kite7!rx", "").Score
	strong := DefaultPolicy.Check("v8#Lq2!mZr@9wTe4", "").Score
	if weak >= medium || medium >= strong || weak != 0 || strong != 4 {
		t.Fatalf("scores weak %d, medium %d, strong %d: want 0 < m < 4", weak, medium, strong)
	}
}
