// Package e2e holds black-box tests: each starts a real `signet serve`
// process (built once per run) on loopback and drives it with real clients
// no one here wrote: golang.org/x/oauth2, github.com/coreos/go-oidc/v3, and,
// when SIGNET_E2E_NODE=1 (set by .ci/run after `npm ci` in e2e/node), the
// npm packages stytch, openid-client and oidc-provider.
//
// Set SIGNET_TEST_POSTGRES=postgres://... to run every server on a fresh
// Postgres schema instead of a temporary SQLite file. TestTwoNodes runs
// only then: two `signet serve` processes on one database.
package e2e
