package authorize

import "testing"

// FuzzHintAudience: an id_token_hint is outside input read before any
// signature check; reading its audience never panics, and names a client
// or fails.
func FuzzHintAudience(f *testing.F) {
	for _, s := range []string{
		"eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJjbGllbnQifQ.c2ln",
		"eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOlsiYSIsImIiXX0.c2ln",
		"eyJhbGciOiJSUzI1NiJ9.eyJhenAiOiJ4IiwiYXVkIjpudWxsfQ.c2ln",
		"eyJhbGciOiJub25lIn0.e30.", "a.b.c", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, hint string) {
		aud, err := hintAudience(hint)
		if err == nil && aud == "" {
			t.Fatalf("no error and no audience for %q", hint)
		}
	})
}

func TestHintAudience(t *testing.T) {
	for _, tt := range []struct{ hint, want string }{
		{"eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJjbGllbnQifQ.c2ln", "client"},          // aud "client"
		{"eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOlsiY2xpZW50Il19.c2ln", "client"},        // aud ["client"]
		{"eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOlsiYSIsImIiXX0.c2ln", ""},               // two audiences, no azp
		{"eyJhbGciOiJSUzI1NiJ9.eyJhenAiOiJ4IiwiYXVkIjpbImEiLCJ4Il19.c2ln", "x"}, // azp wins
		{"eyJhbGciOiJub25lIn0.eyJhdWQiOiJjbGllbnQifQ.", ""},                     // alg none
	} {
		got, err := hintAudience(tt.hint)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("hintAudience(%s) = %q, %v; want %q", tt.hint, got, err, tt.want)
		}
	}
}
