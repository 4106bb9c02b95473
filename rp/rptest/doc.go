// Package rptest is a fake bank OpenID Provider for testing code that uses
// package rp: discovery, JWKS, PAR, an authorization endpoint that approves
// one configured user at once and answers with a JARM, token, userinfo and
// payment details, with client_secret_basic, private_key_jwt and
// tls_client_auth. Failure knobs make it misbehave in the ways a relying
// party must catch. It is a test helper, not an OP: state lives in memory
// and only the checks a client's tests rely on are made.
//
// Typical use in a test ([NewServer] runs it on a loopback port):
//
//	bank := rptest.NewServer(t, rptest.Options{})
//	bank.RegisterClient(rptest.Client{ID: "app", Secret: "s", AuthMethod: "client_secret_basic", RedirectURIs: []string{cb}})
//	authURL, _ := client.Bank(bank.Issuer()).PushAuthorization(ctx, proofs)
//	callback, _ := bank.Authorize(authURL) // plays the browser
//	ts, err := client.Bank(bank.Issuer()).Exchange(ctx, callback, proofs)
//
// Outside tests, [New] returns the same server as an [net/http.Handler] for
// the caller to serve at Options.Issuer.
//
// Routes: /.well-known/openid-configuration, /jwks, POST /par, /authorize,
// POST /token, /userinfo, /payment_details, and with Options.TLS the same
// back-channel routes under /mtls (published as mtls_endpoint_aliases).
// rptest does not import package rp, so rp's own tests can use it.
package rptest
