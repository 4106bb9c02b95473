// Package banks is the bank registry: the bank identity providers (bank
// OPs) a project lets its users verify with, each with its issuer, its
// look in the account selector, and the client credentials the project
// holds at that bank.
//
// Registry is the one place that validates and stores banks; the
// management API (Handler) and the `signet banks` command both go through
// it. Credentials (client secret, mTLS certificate and key, private JWKS)
// are sealed with AES-256-GCM under a key derived from the master key and
// bound to their project and bank (see Sealer); no response ever carries
// them, only whether each is set.
//
// Routes (project HTTP Basic auth, Stytch envelope):
//
//	POST   /v1/banks            create
//	GET    /v1/banks            list, by display name
//	GET    /v1/banks/{bank_id}  get
//	PUT    /v1/banks/{bank_id}  partial update (credentials replaced only when given)
//	DELETE /v1/banks/{bank_id}  delete
package banks
