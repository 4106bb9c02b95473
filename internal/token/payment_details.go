package token

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/oidc"
)

// PaymentDetails serves the bank network's payment details endpoint
// (reference/idpartner-protocol.md §3.9, §4.3):
//
//	GET /v1/oauth2/payment_details   Authorization: Bearer <access token>
//
// It answers with the user's payment accounts, a JSON array of FDX
// payment-network elements ([] when there are none), as the network's
// clients expect: the bare array, with no Stytch envelope. The token is
// checked as UserInfo checks it (a bound token needs its certificate), and
// must have been granted the payment_details scope, or come from a grant
// whose claims request asked for payment_details under userinfo.
type PaymentDetails struct {
	Tokens *Checker
	Users  Users
}

// PaymentDetailsPath is the route of the endpoint, for the discovery
// document's payment_details_info_endpoint.
const PaymentDetailsPath = "/v1/oauth2/payment_details"

// Mount registers the route on mux.
func (p *PaymentDetails) Mount(mux api.Router) {
	mux.HandleFunc("GET "+PaymentDetailsPath, p.serve)
}

func (p *PaymentDetails) serve(w http.ResponseWriter, r *http.Request) {
	details, err := p.paymentDetails(r.Context(), w, r)
	if err != nil {
		api.WriteOAuthError(w, r, err)
		return
	}
	// Account numbers: never in a shared cache (RFC 6749 §5.1's rule for
	// tokens, applied to what they open). The bare array, no envelope.
	api.WriteRawNoStore(w, http.StatusOK, details)
}

func errNoPaymentScope() *oidc.Error {
	return oidc.NewError(oidc.InsufficientScope, "The access token was not granted the payment_details scope.")
}

func (p *PaymentDetails) paymentDetails(ctx context.Context, w http.ResponseWriter, r *http.Request) (json.RawMessage, error) {
	at, err := p.Tokens.userToken(ctx, w, r)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(splitScope(at.Scope), oidc.ScopePaymentDetails) &&
		!slices.Contains(requestedClaims(at.Grant.Claims, inUserInfo), claimPaymentDetails) {
		return nil, errNoPaymentScope()
	}
	user, err := tokenUser(ctx, p.Users, at)
	if err != nil {
		return nil, err
	}
	if !hasPaymentDetails(user) {
		return json.RawMessage("[]"), nil
	}
	return user.PaymentDetails, nil
}
