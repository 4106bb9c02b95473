// Command stytchbank is "verify with your bank" as a Stytch customer would
// build it: the app is itself the bank's relying party (package rp: PAR, a
// signed request object, JARM, PKCE S256, state and nonce), and it keeps
// its users in Stytch through the plain users API. Signet serves that API
// too, so the same program runs against Signet (the default) or Stytch.
//
//	GET /          a "Verify with your bank" link
//	GET /start     fresh proofs (sealed in a cookie), rp.Bank.PushAuthorization, redirect to the bank
//	GET /callback  the redirect URL (the path of --redirect-url): rp.Bank.Exchange, rp.Bank.UserInfo,
//	               then the user found or created (Recorder)
//
// The bank customer is keyed by external_id "bank|" + 32 hex digits of
// SHA-256(issuer, sub), since a sub is unique only at its bank:
//
//	GET  /v1/users/{external_id}  the same customer verified before: PUT /v1/users/{user_id}
//	                              (name, trusted_metadata.external_source refreshed)
//	POST /v1/users                else: name, email, phone_number, external_id and
//	                              trusted_metadata.external_source {type, issuer, name, subject, verified_at}
//
// An existing user with the bank's email is linked only when both the bank
// and the user record say the address is verified; otherwise the app
// refuses rather than merge accounts (ErrEmailConflict).
//
// Against serve --dev's sandbox bank, whose clients accept
// http://127.0.0.1:3002/callback:
//
//	jq .clients.basic.jwks sandbox-bank-rp.json > basic-jwks.json
//	go run ./examples/stytchbank \
//	  --bank-client-id "$(jq -r .clients.basic.client_id sandbox-bank-rp.json)" \
//	  --bank-client-secret "$(jq -r .clients.basic.client_secret sandbox-bank-rp.json)" \
//	  --bank-jwks basic-jwks.json \
//	  --project-id "$(jq -r .project_id signet-dev.json)" --secret "$(jq -r .secret signet-dev.json)"
//	# open http://127.0.0.1:3002/, sign in at the bank as mikomo_10@sandbox.bank / mikomo_10
//
// See README.md beside this file.
package main
