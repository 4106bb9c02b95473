package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

func TestValidText(t *testing.T) {
	for s, want := range map[string]bool{
		"":                 true,
		"user-test-1":      true,
		"Zoë 😀 \ufffd":     true, // U+FFFD itself is a character
		"\x01\x7f":         true,
		"a\x00b":           false,
		"\xff":             false,
		"\xc3":             false, // truncated
		"\xc0\x80":         false, // overlong NUL
		"\xed\xa0\x80":     false, // a surrogate, UTF-8 encoded (CESU-8)
		"\xf4\x90\x80\x80": false, // beyond U+10FFFF
	} {
		if got := ValidText(s); got != want {
			t.Errorf("ValidText(%q) = %v, want %v", s, got, want)
		}
	}
	if ValidValues(url.Values{"a": {"b", "c\x00"}}) || ValidValues(url.Values{"\xff": {"b"}}) || !ValidValues(url.Values{"é": {"ü", ""}}) {
		t.Error("ValidValues does not check every name and value")
	}
}

func TestValidJSONText(t *testing.T) {
	for doc, want := range map[string]bool{
		`{}`:                            true,
		`{"a":"b","c":[1,true,null]}`:   true,
		`{"a":"\"\\\/\b\f\n\r\t"}`:      true,
		`{"a":"\u00e9\u0001\ufffd"}`:    true,
		`{"a":"\ud83d\ude00"}`:          true, // a surrogate pair
		`{"a":"\uD83D\uDE00"}`:          true,
		`{"a":"\\u0000"}`:               true, // an escaped backslash, then text
		`{"a":"\\\\u0000"}`:             true,
		"{\"a\":\"Zo\xc3\xab\"}":        true,
		`{"a":"\u0000"}`:                false,
		`{"\u0000":1}`:                  false,
		`{"a":{"b":[{"c":"x\u0000"}]}}`: false,
		`{"a":"\\\u0000"}`:              false,
		`{"a":"\ud800"}`:                false, // lone high surrogate
		`{"a":"\ud800x"}`:               false,
		`{"a":"\ud800\u0041"}`:          false,
		`{"a":"\ud800\ud800"}`:          false,
		`{"a":"\udc00"}`:                false, // lone low surrogate
		`{"a":"\ude00\ud83d"}`:          false, // a pair the wrong way round
		`{"a":"\u12"}`:                  false, // truncated escape
		`{"a":"\`:                       false,
		"{\"a\":\"\xff\"}":              false,
		"{\"\xff\":1}":                  false,
		"{\"a\":\"\x00\"}":              false,
		"{\"a\":\"\xed\xa0\x80\"}":      false,
	} {
		if got := ValidJSONText([]byte(doc)); got != want {
			t.Errorf("ValidJSONText(%s) = %v, want %v", doc, got, want)
		}
	}
}

// FuzzValidJSONText checks ValidJSONText against what encoding/json makes
// of a document: for any valid JSON with no U+FFFD of its own, it accepts
// exactly the documents whose decoded strings hold neither NUL nor the
// U+FFFD that decoding puts in place of invalid UTF-8 and lone
// surrogates. It never accepts invalid UTF-8, and never panics.
func FuzzValidJSONText(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@example.com","trusted_metadata":{"k":[1,"v"]}}`,
		`{"a":"\u0000"}`, `{"a":"\ud800"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\\u0000"}`, `{"\udc00":1}`,
		"{\"a\":\"\xff\"}", `"\u12"`, `["\ud800\u"]`, `{"a":"\\\\\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := ValidJSONText(b)
		if got && !utf8.Valid(b) {
			t.Fatalf("accepted invalid UTF-8 %q", b)
		}
		if !json.Valid(b) || bytes.Contains(b, []byte("\uFFFD")) || bytes.Contains(bytes.ToLower(b), []byte(`\ufffd`)) {
			return
		}
		want := true
		dec := json.NewDecoder(bytes.NewReader(b))
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("json.Valid document %q does not tokenize: %v", b, err)
			}
			if s, ok := tok.(string); ok && strings.ContainsAny(s, "\x00\uFFFD") {
				want = false
			}
		}
		if got != want {
			t.Fatalf("ValidJSONText(%q) = %v, want %v", b, got, want)
		}
	})
}

func TestReadForm(t *testing.T) {
	tests := []struct {
		method, target, body string
		want                 error
	}{
		{"GET", "/p?a=b&c=%C3%A9", "", nil},
		{"GET", "/p?a=%00", "", ErrNotText},
		{"GET", "/p?%ff=1", "", ErrNotText},
		{"GET", "/p?a=b;c=d&e=%zz", "", nil}, // as r.URL.Query: malformed pairs are skipped
		{"POST", "/p", "a=b&c=%C3%A9", nil},
		{"POST", "/p", "a=%00", ErrNotText},
		{"POST", "/p?q=%ff", "a=b", ErrNotText},
		{"POST", "/p", "a=%zz", nil}, // a parse error, not ErrNotText
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		err := ReadForm(httptest.NewRecorder(), r, 1<<10)
		switch {
		case tt.want != nil && !errors.Is(err, tt.want):
			t.Errorf("%s %s %q: err = %v, want %v", tt.method, tt.target, tt.body, err, tt.want)
		case tt.want == nil && errors.Is(err, ErrNotText):
			t.Errorf("%s %s %q: refused as not text", tt.method, tt.target, tt.body)
		}
	}
	big := httptest.NewRequest("POST", "/p", strings.NewReader("a="+strings.Repeat("x", 2<<10)))
	big.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := ReadForm(httptest.NewRecorder(), big, 1<<10); err == nil {
		t.Error("a body over the bound was read")
	}
}

// The management API's edges: a query that is not text is a 400, a JSON
// body with such a string is invalid_json. (Basic credentials:
// internal/projects, TestAuthText.)
func TestManagementText(t *testing.T) {
	rec := httptest.NewRecorder()
	Handle(func(w http.ResponseWriter, r *http.Request) error { return nil }).ServeHTTP(rec, WithRequestID(httptest.NewRequest("GET", "/v1/x?user_id=%00", nil)))
	if e := decodeEnvelope(t, rec); rec.Code != 400 || e.ErrorType != "invalid_request" {
		t.Errorf("query: %d %+v", rec.Code, e)
	}

	r := httptest.NewRequest("POST", "/v1/x", strings.NewReader(`{"trusted_metadata":{"k":"\u0000"}}`))
	r.Header.Set("Content-Type", "application/json")
	var dst struct{ TrustedMetadata json.RawMessage }
	var e *Error
	if err := Decode(httptest.NewRecorder(), r, &dst); !errors.As(err, &e) || e.Status != 400 || e.Type != "invalid_json" {
		t.Errorf("Decode: %v", err)
	}
}

// The backstop: a store that refuses text (store.ErrInvalidText) is the
// caller's 400, in either error shape, not a 500.
func TestStoreInvalidTextIsBadRequest(t *testing.T) {
	cause := fmt.Errorf("sqlstore: create user: %w", store.ErrInvalidText)
	rec := httptest.NewRecorder()
	WriteError(rec, WithRequestID(httptest.NewRequest("POST", "/v1/users", nil)), Internal(cause))
	if e := decodeEnvelope(t, rec); rec.Code != 400 || e.ErrorType != "invalid_request" {
		t.Errorf("WriteError: %d %+v", rec.Code, e)
	}
	for _, err := range []error{cause, oidc.Errorf(oidc.ServerError, "The grant could not be stored.", cause)} {
		rec = httptest.NewRecorder()
		WriteOAuthError(rec, WithRequestID(httptest.NewRequest("POST", "/v1/oauth2/token", nil)), err)
		var body struct{ Error string }
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != 400 || body.Error != string(oidc.InvalidRequest) {
			t.Errorf("WriteOAuthError(%v): %d %s", err, rec.Code, rec.Body)
		}
	}
}
