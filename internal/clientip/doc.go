// Package clientip derives the address of the client behind a request, for
// rate limits and logs. It serves no routes.
//
// The peer of the TCP connection (r.RemoteAddr) is the client unless it is
// a proxy the operator trusts (signet serve --trusted-proxies). Through
// trusted proxies, X-Forwarded-For is read from the right: each proxy
// appends the address it received the request from, so the entries are
// believed one by one, from the peer leftwards, only while the hop that
// wrote them is trusted. The first address that is not a trusted proxy is
// the client; anything to its left was written by the client itself and
// may say anything.
//
// The alternative, taking the leftmost entry as many frameworks do, lets
// any client choose the address it is limited under by sending the header
// itself; a limit keyed on it would hold no one. With no trusted proxies
// (the default) the header is ignored altogether.
//
// RFC 7239's Forwarded header is not read: the proxies Signet is deployed
// behind (load balancers, ingress controllers) all write X-Forwarded-For,
// and reading two headers would let a client smuggle an address through the
// one a proxy does not overwrite.
package clientip
