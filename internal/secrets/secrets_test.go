package secrets

import (
	"bytes"
	"strings"
	"testing"
)

func TestPepper(t *testing.T) {
	p := NewPepper(bytes.Repeat([]byte{7}, 32))
	other := NewPepper(bytes.Repeat([]byte{8}, 32))
	s := New("secret-test-")
	if !strings.HasPrefix(s, "secret-test-") || len(s) != len("secret-test-")+43 {
		t.Fatalf("New = %q", s)
	}
	h := p.Hash(s)
	tests := []struct {
		name   string
		pepper Pepper
		hash   []byte
		secret string
		want   bool
	}{
		{"same secret", p, h, s, true},
		{"other secret", p, h, New(""), false},
		{"one char off", p, h, s[:len(s)-1] + "x", false},
		{"other pepper", other, h, s, false},
		{"short hash", p, h[:5], s, false},
		{"nil hash", p, nil, s, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.pepper.Equal(tt.hash, tt.secret); got != tt.want {
				t.Errorf("Equal = %v, want %v", got, tt.want)
			}
		})
	}
}

func BenchmarkEqual(b *testing.B) {
	p := NewPepper(bytes.Repeat([]byte{7}, 32))
	s := New("")
	h := p.Hash(s)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !p.Equal(h, s) {
				b.Fatal("mismatch")
			}
		}
	})
}

func TestDerive(t *testing.T) {
	p := NewPepper(bytes.Repeat([]byte{7}, 32))
	other := NewPepper(bytes.Repeat([]byte{8}, 32))
	s := New("")
	d := p.Derive("a\x00", s)
	if len(d) != 43 || strings.ContainsAny(d, "+/=") {
		t.Fatalf("Derive = %q: want 43 base64url characters", d)
	}
	if again := p.Derive("a\x00", s); again != d {
		t.Errorf("Derive is not deterministic: %q, then %q", d, again)
	}
	for name, got := range map[string]string{
		"other label":  p.Derive("b\x00", s),
		"other secret": p.Derive("a\x00", New("")),
		"other pepper": other.Derive("a\x00", s),
		"the secret":   s,
	} {
		if got == d {
			t.Errorf("%s gives the same value", name)
		}
	}
}
