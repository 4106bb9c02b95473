package password

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Policy is a LUDS strength policy (Lowercase, Uppercase, Digits, Symbols),
// the alternative to zxcvbn that Stytch's strength check offers: a minimum
// length and a minimum number of the four character classes.
//
// Signet does not ship zxcvbn (its dictionaries are megabytes and there is
// no well-kept Go port), so strength is judged by the LUDS rules plus a
// short list of the most common passwords and a check against the user's
// own email. Score is a coarse 0-4 estimate from length and alphabet size,
// shaped like zxcvbn's so callers can show a meter; only the policy decides
// validity. Breach checks (haveibeenpwned) need an outside service and are
// not done.
type Policy struct {
	MinLength     int // characters (Unicode code points)
	MinComplexity int // of the four LUDS classes, 1-4
	MaxLength     int // characters; longer is refused (it only burns hashing time)
}

// DefaultPolicy is Stytch's default LUDS setting: 8 characters, 3 classes.
var DefaultPolicy = Policy{MinLength: 8, MinComplexity: 3, MaxLength: 256}

// LUDS reports which classes a password has and what it lacks.
type LUDS struct {
	HasLower, HasUpper, HasDigit, HasSymbol bool
	MissingComplexity                       int // classes still needed
	MissingCharacters                       int // characters still needed
}

// Strength is the verdict on one password.
type Strength struct {
	Valid       bool
	Score       int // 0 (trivial) to 4 (strong)
	Warning     string
	Suggestions []string
	LUDS        LUDS
}

// Check judges password under the policy; email (may be empty) is the
// account's address, whose local part must not appear in the password.
func (p Policy) Check(password, email string) Strength {
	n := utf8.RuneCountInString(password)
	var l LUDS
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			l.HasLower = true
		case unicode.IsUpper(r):
			l.HasUpper = true
		case unicode.IsDigit(r):
			l.HasDigit = true
		default:
			l.HasSymbol = true
		}
	}
	classes := count(l.HasLower, l.HasUpper, l.HasDigit, l.HasSymbol)
	l.MissingComplexity = max(0, p.MinComplexity-classes)
	l.MissingCharacters = max(0, p.MinLength-n)

	s := Strength{LUDS: l, Suggestions: []string{}, Score: score(password, n, l)}
	lower := strings.ToLower(password)
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	switch {
	case n > p.MaxLength:
		s.Warning = "This password is too long."
		s.Suggestions = append(s.Suggestions, fmt.Sprintf("Use at most %d characters.", p.MaxLength))
	case common[lower] || common[strings.TrimRight(lower, "0123456789!.?")]:
		s.Warning = "This is a very common password."
		s.Score = 0
	case len(local) >= 3 && strings.Contains(lower, local):
		s.Warning = "Passwords that contain your email address are easy to guess."
		s.Score = min(s.Score, 1)
	}
	if l.MissingCharacters > 0 {
		s.Suggestions = append(s.Suggestions, "Use a longer password.")
	}
	if l.MissingComplexity > 0 {
		s.Suggestions = append(s.Suggestions, "Mix lowercase and uppercase letters, digits and symbols.")
	}
	if s.Warning != "" && len(s.Suggestions) == 0 {
		s.Suggestions = append(s.Suggestions, "Add another word or two. Uncommon words are better.")
	}
	s.Valid = s.Warning == "" && l.MissingCharacters == 0 && l.MissingComplexity == 0
	return s
}

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// score estimates log2(guesses) as effective length × log2(alphabet),
// where a character repeating or continuing a run of its predecessor
// ("aaa", "abc", "321") counts for nothing, and maps it to 0-4 with
// thresholds stricter than zxcvbn's, since the estimate is naive.
func score(password string, n int, l LUDS) int {
	alphabet := 0
	for _, c := range []struct {
		has  bool
		size int
	}{{l.HasLower, 26}, {l.HasUpper, 26}, {l.HasDigit, 10}, {l.HasSymbol, 33}} {
		if c.has {
			alphabet += c.size
		}
	}
	if n == 0 || alphabet == 0 {
		return 0
	}
	effective, prev := 0, rune(-10)
	for _, r := range password {
		if d := r - prev; d < -1 || d > 1 {
			effective++
		}
		prev = r
	}
	bits := float64(effective) * math.Log2(float64(alphabet))
	switch {
	case bits < 28:
		return 0
	case bits < 40:
		return 1
	case bits < 55:
		return 2
	case bits < 70:
		return 3
	}
	return 4
}

// common holds the most common passwords of public breach corpora (after
// lowercasing and removing trailing digits and punctuation). Short on
// purpose: it catches what every attacker tries first.
var common = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		password passw0rd p@ssword p@ssw0rd qwerty qwertyuiop asdfgh asdfghjkl zxcvbnm
		letmein welcome admin administrator login iloveyou monkey dragon master sunshine
		princess football baseball shadow superman batman trustno abc abcd abcdef
		changeme secret default guest root test user qazwsx azerty starwars whatever
		freedom hello charlie donald michael jennifer jordan liverpool pokemon`) {
		m[w] = true
	}
	return m
}()
