package banks

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/clientip"
)

func TestMemoryLimiter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewMemoryLimiter(0.5, 3, func() time.Time { return now })
	ctx := t.Context()
	for i := range 3 {
		if !l.Allow(ctx, "a") {
			t.Fatalf("write %d of the burst refused", i+1)
		}
	}
	if l.Allow(ctx, "a") {
		t.Fatal("a write beyond the burst allowed")
	}
	if !l.Allow(ctx, "b") {
		t.Fatal("another address shares the bucket")
	}
	now = now.Add(time.Second) // half a token
	if l.Allow(ctx, "a") {
		t.Fatal("allowed before a whole token refilled")
	}
	now = now.Add(time.Second)
	if !l.Allow(ctx, "a") || l.Allow(ctx, "a") {
		t.Fatal("want exactly one write after two seconds at 0.5/s")
	}
	now = now.Add(time.Hour) // refills up to the burst, no further
	for i := range 3 {
		if !l.Allow(ctx, "a") {
			t.Fatalf("write %d after an hour refused", i+1)
		}
	}
	if l.Allow(ctx, "a") {
		t.Fatal("the bucket refilled beyond its burst")
	}
}

// The sweep forgets only buckets that have refilled, so it never hands
// an address a fresh burst early.
func TestMemoryLimiterSweep(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	now := t0
	l := NewMemoryLimiter(1, 2, func() time.Time { return now }).(*memoryLimiter)
	ctx := t.Context()
	l.Allow(ctx, "a")
	l.Allow(ctx, "a")
	l.sweep(t0.Add(time.Second)) // one token back of two
	if _, ok := l.buckets.Load("a"); !ok {
		t.Fatal("swept a bucket that had not refilled")
	}
	now = t0.Add(time.Second)
	if !l.Allow(ctx, "a") || l.Allow(ctx, "a") {
		t.Fatal("want exactly the one refilled token")
	}
	l.sweep(now.Add(3 * time.Second))
	if _, ok := l.buckets.Load("a"); ok {
		t.Fatal("a refilled bucket was kept")
	}
}

func TestClientSource(t *testing.T) {
	proxy := netip.MustParsePrefix("10.0.0.0/8")
	direct, proxied := &Flow{}, &Flow{ClientIP: clientip.New([]netip.Prefix{proxy})}
	for _, tt := range []struct {
		f           *Flow
		remote, xff string
		want        string
	}{
		{direct, "203.0.113.7:5123", "", "203.0.113.7"},
		{direct, "[::ffff:203.0.113.7]:443", "", "203.0.113.7"}, // IPv4-mapped: the IPv4 address
		{direct, "[2001:db8:1:2:aaaa::1]:443", "", "2001:db8:1:2::/64"},
		{direct, "[2001:db8:1:2:bbbb::9]:443", "", "2001:db8:1:2::/64"}, // the same /64
		{direct, "[2001:db8:1:3::1]:443", "", "2001:db8:1:3::/64"},
		{direct, "203.0.113.7:5123", "198.51.100.1", "203.0.113.7"}, // an untrusted peer's header is ignored
		{proxied, "10.1.2.3:5123", "198.51.100.1", "198.51.100.1"},  // a trusted proxy's is believed
		{direct, "unix-socket", "", "unknown"},
	} {
		r := httptest.NewRequest("GET", "/select-bank", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := tt.f.clientSource(r); got != tt.want {
			t.Errorf("clientSource(%q, %q) = %q, want %q", tt.remote, tt.xff, got, tt.want)
		}
	}
}
