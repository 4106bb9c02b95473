// Package dpop checks DPoP proofs (RFC 9449): the JWT a client signs with
// a key of its own for each request, so that tokens bound to that key
// (cnf.jkt) are useless to anyone without it. It is the one place that
// knows the proof's rules:
//
//   - one DPoP header holding a compact JWS with typ dpop+jwt, signed
//     PS256, ES256 or EdDSA (FAPI 2.0 SP §5.4.1: no RS256, never none) by
//     the public jwk in its header, which carries no private member (§4.2);
//   - claims jti, htm, htu and iat, with htm the request's method and htu
//     its URL, compared without query and fragment after RFC 3986
//     normalisation (§4.3); iat within Window of now; ath, the hash of the
//     access token, when one is presented (§4.3, §7.1);
//   - a jti is used once per key, through the store (UseJTI), so a replay
//     fails on every node (§11.1);
//   - server-provided nonces (§8): stateless, an HMAC under a key derived
//     from the pepper over a five-minute window, so any node can check
//     what another issued; the current and the previous window are valid.
//
// The package owns no routes; package token calls it at the token
// endpoint and UserInfo.
package dpop
