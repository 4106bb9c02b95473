// Package banks is everything Signet does with banks: the registry of
// bank identity providers (bank OPs) a project lets its users verify
// with, the account selector where a person picks one, and the
// verification flow that takes the person to their bank and back.
//
// Registry is the one place that validates and stores banks; the
// management API (Handler) and the `signet banks` command both go through
// it. Credentials (client secret, mTLS certificate and key, private JWKS)
// are sealed with AES-256-GCM under a key derived from the master key and
// bound to their project and bank (see Sealer); no response ever carries
// them, only whether each is set.
//
// Flow serves the account selector and the verification (package rp does
// the protocol: PAR, a signed request object, JARM, PKCE S256, state,
// nonce). Package users decides which user a bank's answer is; package
// authorize resumes the authorization request a verification started on
// the sign-in page. docs/architecture.md ("Bank verification") has the
// states of a run and why each step is where it is.
//
// Routes (management ones with project HTTP Basic auth and the Stytch
// envelope):
//
//	POST   /v1/banks                                      create
//	GET    /v1/banks                                      list, by display name
//	GET    /v1/banks/{bank_id}                            get
//	PUT    /v1/banks/{bank_id}                            partial update (credentials replaced only when given)
//	DELETE /v1/banks/{bank_id}                            delete
//	POST   /v1/bank_verifications/start                   a one-time start URL
//	POST   /v1/bank_verifications/authenticate            redeem the result token once
//	GET    /v1/bank_verifications/{bank_verification_id}  where a run stands
//	GET    /select-bank                                   the account selector (public)
//	POST   /select-bank                                   a choice in it (public)
//	GET    /verify/selected                               the selector's answer in a run
//	GET    /verify/begin                                  a run's own selector (the sign-in page's run)
//	GET    /verify/search                                 its search
//	GET    /verify/callback                               the bank's answer (JARM)
//	GET    /verify/resume                                 the authorization request again, after a login run
//	POST   /verify/select                                 a choice in an API run's selector
//
// The public pages write for visitors without credentials (a run from
// the sign-in page, a remembered choice); limit.go bounds those writes per
// client address.
package banks
