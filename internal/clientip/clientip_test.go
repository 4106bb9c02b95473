package clientip_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/signet-id/signet/internal/clientip"
)

func TestAddr(t *testing.T) {
	trusted, err := clientip.ParsePrefixes("10.0.0.0/8, 2001:db8:ffff::/48,192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	behind := clientip.New(trusted)
	tests := []struct {
		name   string
		res    clientip.Resolver
		remote string
		xff    []string // X-Forwarded-For lines
		want   string
	}{
		{"no proxy", behind, "198.51.100.1:4242", nil, "198.51.100.1"},
		{"spoofed header from an untrusted peer", behind, "198.51.100.1:4242", []string{"203.0.113.9"}, "198.51.100.1"},
		{"spoofed header, nothing trusted", clientip.Resolver{}, "10.0.0.1:80", []string{"203.0.113.9"}, "10.0.0.1"},
		{"one trusted proxy", behind, "10.0.0.1:80", []string{"203.0.113.9"}, "203.0.113.9"},
		{"client-written entries left of the real one are ignored", behind, "10.0.0.1:80", []string{"1.1.1.1, 2.2.2.2, 203.0.113.9"}, "203.0.113.9"},
		{"two trusted hops", behind, "10.0.0.1:80", []string{"1.1.1.1, 203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"several header lines are one list", behind, "10.0.0.1:80", []string{"1.1.1.1, 203.0.113.9", "10.9.9.9"}, "203.0.113.9"},
		{"single trusted address", behind, "192.0.2.7:80", []string{"203.0.113.9"}, "203.0.113.9"},
		{"neighbour of a trusted address is not trusted", behind, "192.0.2.8:80", []string{"203.0.113.9"}, "192.0.2.8"},
		{"trusted proxy without the header", behind, "10.0.0.1:80", nil, "10.0.0.1"},
		{"every hop trusted: the leftmost", behind, "10.0.0.1:80", []string{"10.1.1.1, 10.2.2.2"}, "10.1.1.1"},
		{"garbage written by a trusted hop ends the chain there", behind, "10.0.0.1:80", []string{"203.0.113.9, unknown, 10.2.2.2"}, "10.2.2.2"},
		{"garbage left of the client does not matter", behind, "10.0.0.1:80", []string{"<script>, 203.0.113.9"}, "203.0.113.9"},
		{"entry with a port", behind, "10.0.0.1:80", []string{"203.0.113.9:5555"}, "203.0.113.9"},
		{"IPv6 entry with a port", behind, "10.0.0.1:80", []string{"[2001:db8::1]:5555"}, "2001:db8::1"},
		{"IPv6 peer", behind, "[2001:db8:ffff::1]:443", []string{"2001:db8::2"}, "2001:db8::2"},
		{"IPv6 peer with a zone", clientip.Resolver{}, "[fe80::1%eth0]:443", nil, "fe80::1"},
		{"IPv4-mapped peer is IPv4", behind, "[::ffff:10.0.0.1]:443", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"no network peer", behind, "@", nil, "invalid IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := tt.res.Addr(r).String(); got != tt.want {
				t.Errorf("Addr = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParsePrefixes(t *testing.T) {
	got, err := clientip.ParsePrefixes(" 10.1.2.3/8 ,, ::ffff:172.16.0.0/108, 2001:db8::1 ")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "172.16.0.0/12", "2001:db8::1/128"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("prefix %d = %s, want %s", i, got[i], want[i])
		}
	}
	if got, err := clientip.ParsePrefixes(""); err != nil || len(got) != 0 {
		t.Errorf("empty list = %v, %v", got, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.0/8;", "::ffff:1.2.3.4/64"} {
		if _, err := clientip.ParsePrefixes(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.9":             "203.0.113.9",
		"::ffff:203.0.113.9":      "203.0.113.9",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1234": "2001:db8:1:2::/64",
	} {
		if got := clientip.Key(netip.MustParseAddr(in)); got != want {
			t.Errorf("Key(%s) = %s, want %s", in, got, want)
		}
	}
	if got := clientip.Key(netip.Addr{}); got != "unknown" {
		t.Errorf("Key(zero) = %s", got)
	}
}
