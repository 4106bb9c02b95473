package rp

import (
	"context"
)

// UserInfo fetches the userinfo endpoint (OIDC Core §5.3; the mTLS alias for
// tls_client_auth) with ts's access token. The answer must be plain JSON
// with a sub; when ts holds an ID token the two subs must be equal
// (OIDC Core §5.3.2), else [ErrSubjectMismatch].
func (b *Bank) UserInfo(ctx context.Context, ts *TokenSet) (map[string]any, error) {
	c := b.c
	if ts == nil || ts.AccessToken == "" {
		return nil, invalid(ErrInvalidArgument, "no access token")
	}
	prov, err := c.provider(ctx, b.iss)
	if err != nil {
		return nil, err
	}
	ep := c.endpoint(prov.md.UserinfoEndpoint, prov.mtls.UserinfoEndpoint)
	if ep == "" || c.checkURL(ep) != nil {
		return nil, invalid(ErrDiscovery, "OP has no usable userinfo endpoint")
	}
	var info map[string]any
	if err := c.get(ctx, "userinfo", ep, ts.AccessToken, &info); err != nil {
		return nil, err
	}
	sub, _ := info["sub"].(string)
	if sub == "" {
		return nil, invalid(ErrMalformed, "userinfo has no sub")
	}
	if want := ts.Subject(); want != "" && sub != want {
		return nil, invalid(ErrSubjectMismatch, "userinfo sub differs from the ID token sub")
	}
	return info, nil
}

// PaymentDetail is one element of the payment_details answer: an FDX/Akoya
// payment-network entry plus IDPartner's accountId.
type PaymentDetail struct {
	BankID         string `json:"bankId"`         // routing number
	Identifier     string `json:"identifier"`     // account number
	IdentifierType string `json:"identifierType"` // e.g. ACCOUNT_NUMBER
	Type           string `json:"type"`           // e.g. US_ACH
	TransferIn     bool   `json:"transferIn"`
	TransferOut    bool   `json:"transferOut"`
	AccountID      string `json:"accountId"`
}

// PaymentDetails fetches the OP's payment_details_info_endpoint (or its mTLS
// alias for tls_client_auth) with ts's access token. It fails with
// [ErrDiscovery] when the OP does not advertise the endpoint.
func (b *Bank) PaymentDetails(ctx context.Context, ts *TokenSet) ([]PaymentDetail, error) {
	c := b.c
	if ts == nil || ts.AccessToken == "" {
		return nil, invalid(ErrInvalidArgument, "no access token")
	}
	prov, err := c.provider(ctx, b.iss)
	if err != nil {
		return nil, err
	}
	ep := c.endpoint(prov.md.PaymentDetailsInfoEndpoint, prov.mtls.PaymentDetailsInfoEndpoint)
	if ep == "" || c.checkURL(ep) != nil {
		return nil, invalid(ErrDiscovery, "OP does not advertise payment_details_info_endpoint")
	}
	var out []PaymentDetail
	if err := c.get(ctx, "payment_details", ep, ts.AccessToken, &out); err != nil {
		return nil, err
	}
	return out, nil
}
