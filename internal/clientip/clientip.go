package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver derives client addresses. The zero value trusts no proxy: the
// client is always the connection's peer.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a resolver that believes X-Forwarded-For written by proxies
// within trusted.
func New(trusted []netip.Prefix) Resolver {
	return Resolver{trusted: trusted}
}

// ParsePrefixes reads a comma-separated list of CIDR prefixes; a bare
// address is a prefix of one address. Spaces and empty items are ignored,
// so "" is the empty list.
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			a, err := netip.ParseAddr(item)
			if err != nil {
				return nil, fmt.Errorf("clientip: %q is neither a CIDR prefix nor an address", item)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, fmt.Errorf("clientip: %q is not a CIDR prefix: %w", item, err)
		}
		if p.Addr().Is4In6() {
			// ::ffff:10.0.0.0/104 means 10.0.0.0/8; addresses are
			// unmapped before they are compared.
			if p.Bits() < 96 {
				return nil, fmt.Errorf("clientip: %q: an IPv4-mapped prefix needs at least 96 bits", item)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Addr returns the address of the client that sent r: the connection's
// peer, or, if the peer is a trusted proxy, the rightmost address in
// X-Forwarded-For that is not one (package doc). IPv4-mapped IPv6
// addresses are returned as IPv4. The zero Addr means r.RemoteAddr could
// not be read (not a network connection).
func (res Resolver) Addr(r *http.Request) netip.Addr {
	client := parse(r.RemoteAddr)
	if !client.IsValid() || !res.trusts(client) {
		return client
	}
	// Several X-Forwarded-For lines are one list, in order (RFC 9110 §5.3).
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		entries := strings.Split(hops[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			a := parse(strings.TrimSpace(entries[j]))
			if !a.IsValid() {
				// A trusted proxy wrote this entry, yet it is no address
				// ("unknown", obfuscated, garbled): the chain ends at that
				// proxy, the last hop known.
				return client
			}
			client = a
			if !res.trusts(a) {
				return client
			}
		}
	}
	// Every hop is a trusted proxy: the leftmost one is as far as the
	// chain goes.
	return client
}

func (res Resolver) trusts(a netip.Addr) bool {
	for _, p := range res.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parse reads "addr", "addr:port" or "[addr]:port", dropping any IPv6
// zone; the zero Addr if it is none of these.
func parse(s string) netip.Addr {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.WithZone("").Unmap()
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a.WithZone("").Unmap()
		}
	}
	return netip.Addr{}
}

// Key is a as a rate-limit key: an IPv4 address whole, an IPv6 address by
// its /64. One subscriber is usually given a whole /64 (RFC 6177), so a
// limit per IPv6 address would give each of them 2^64 budgets. The zero
// Addr is "unknown": requests that did not come over a network share one
// budget.
func Key(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is4():
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
