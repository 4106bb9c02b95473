package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Text from outside (paths, queries, forms, JSON bodies, Basic
// credentials) must be text before anything reads it: valid UTF-8 with no
// NUL. PostgreSQL cannot hold anything else in a text or jsonb column, not
// even as a query parameter (SQLSTATE 22021 character_not_in_repertoire,
// 22P05 untranslatable_character), so such input would answer 500 there
// and be stored as is on SQLite. Each edge checks once with the functions
// here and answers the way it answers any malformed input; no ID, email or
// secret Signet holds can contain such text, so nothing valid is refused.

// ErrNotText is input that is not valid UTF-8 or holds a NUL.
var ErrNotText = errors.New("api: input is not valid UTF-8 or holds a NUL character")

// errNotTextMessage tells a caller why its text was refused.
const errNotTextMessage = "The request holds text that is not valid UTF-8, or a NUL."

// ValidText reports whether s is text: valid UTF-8 (surrogate code points
// and overlong forms are not) with no NUL.
func ValidText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// ValidValues reports whether every name and value of v is ValidText.
func ValidValues(v url.Values) bool {
	for k, vs := range v {
		if !ValidText(k) {
			return false
		}
		for _, s := range vs {
			if !ValidText(s) {
				return false
			}
		}
	}
	return true
}

// ValidJSONText reports whether every string of the JSON document b,
// member names and nested values included, is text once decoded: b is
// valid UTF-8, holds no NUL byte, and no escape sequence makes a NUL
// (\u0000) or half a surrogate pair (RFC 8259 §8.2: "\uDEAD" is not a
// character). encoding/json would not say: it decodes a lone surrogate
// and invalid bytes to U+FFFD when it decodes a string, and keeps them as
// they are in a json.RawMessage, which is how metadata is stored.
//
// It checks no other syntax (json.Unmarshal does): escapes occur only in
// strings, where each backslash starts one, so reading escapes left to
// right finds every one without tracking where strings begin.
func ValidJSONText(b []byte) bool {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\\')
		if j < 0 {
			return true
		}
		i += j
		if i+1 >= len(b) {
			return false
		}
		if b[i+1] != 'u' {
			i += 2 // \" \\ \/ \b \f \n \r \t
			continue
		}
		r, ok := hex4(b, i+2)
		switch {
		case !ok || r == 0:
			return false
		case r >= 0xd800 && r <= 0xdbff:
			// A high surrogate must be followed by an escaped low one.
			if i+7 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
				return false
			}
			lo, ok := hex4(b, i+8)
			if !ok || lo < 0xdc00 || lo > 0xdfff {
				return false
			}
			i += 12
		case r >= 0xdc00 && r <= 0xdfff:
			return false
		default:
			i += 6
		}
	}
}

// hex4 reads the four hex digits of a \u escape at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// ReadForm is the edge of forms and of the queries that go with them. It
// bounds the body of a POST to maxBody bytes, parses the query and a
// form-encoded body (http.Request.ParseForm), and refuses with ErrNotText
// a name or value of either that is not ValidText. Other requests' queries
// are read as r.URL.Query does, which skips malformed pairs instead of
// failing. Any error is a request to answer 400.
func ReadForm(w http.ResponseWriter, r *http.Request, maxBody int64) error {
	if r.Method != http.MethodPost {
		if r.URL.RawQuery != "" && !ValidValues(r.URL.Query()) {
			return ErrNotText
		}
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return err
	}
	if !ValidValues(r.Form) { // the query's values and the body's
		return ErrNotText
	}
	return nil
}
