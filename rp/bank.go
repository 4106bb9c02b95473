package rp

import (
	"context"

	"github.com/signet-id/signet/oidc"
)

// Bank is a [Client]'s handle on one bank OP, named by its issuer: both legs
// of a login ([Bank.PushAuthorization], [Bank.Exchange]) and the calls made
// with the tokens it issued. A Bank holds no state of its own (discovery
// documents and JWK sets are cached by the Client), so it is cheap to get
// one per request, and safe for concurrent use.
type Bank struct {
	c   *Client
	iss string
}

// Bank returns the handle on the OP whose issuer is iss, which must be the
// discovery document's issuer byte for byte (OIDC Discovery §4.3). iss
// usually comes from the browser (the account selector's answer), so it is
// checked on every call against [Config.AllowedIssuers] and the https rule,
// failing with [ErrIssuerNotAllowed].
func (c *Client) Bank(iss string) *Bank { return &Bank{c: c, iss: iss} }

// Issuer returns the bank's issuer, as given to [Client.Bank].
func (b *Bank) Issuer() string { return b.iss }

// Metadata returns the bank's discovery document, fetched (or taken from
// the cache) and checked as every call does: the issuer identical to
// [Bank.Issuer] (OIDC Discovery §4.3), the authorization, token, JWKS and
// PAR endpoints present. A tool can read what the bank offers from it
// before trusting the bank, as signet banks add does.
func (b *Bank) Metadata(ctx context.Context) (oidc.Metadata, error) {
	p, err := b.c.provider(ctx, b.iss)
	if err != nil {
		return oidc.Metadata{}, err
	}
	return p.md, nil
}
