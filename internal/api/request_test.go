package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestValidRequestID(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want bool
	}{
		{"a", true},
		{"request-id-0b0e7a8e-2f5c-4a6e-9d52-3f1c2d4e5f60", true},
		{"lb.7f3a_42:x-Y", true},
		{strings.Repeat("z", 128), true},
		{"", false},
		{strings.Repeat("z", 129), false},
		{"a b", false},
		{"a\nmsg=forged", false},
		{`a"b`, false},
		{"a/b", false},
		{"é", false},
	} {
		if got := ValidRequestID(tt.id); got != tt.want {
			t.Errorf("ValidRequestID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// WithRequestID keeps a well-formed incoming X-Request-Id and replaces
// anything else with a fresh ID.
func TestWithRequestID(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set(RequestIDHeader, "abc:1")
	if got := RequestID(WithRequestID(r)); got != "abc:1" {
		t.Errorf("RequestID = %q, want the incoming abc:1", got)
	}
	r.Header.Set(RequestIDHeader, "abc 1")
	a, b := RequestID(WithRequestID(r)), RequestID(WithRequestID(r))
	if !strings.HasPrefix(a, "request-id-") || a == b {
		t.Errorf("RequestID = %q then %q, want fresh IDs", a, b)
	}
}

// An ID ValidRequestID accepts is safe to echo in a header and a log line.
func FuzzValidRequestID(f *testing.F) {
	f.Add("request-id-1")
	f.Add("a b")
	f.Fuzz(func(t *testing.T, id string) {
		if !ValidRequestID(id) {
			return
		}
		if len(id) == 0 || len(id) > 128 || strings.ContainsAny(id, " \t\r\n\"'=\\/<>") || !ValidText(id) {
			t.Fatalf("ValidRequestID accepted %q", id)
		}
	})
}
