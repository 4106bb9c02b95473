package logout

import (
	"context"
	"fmt"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
)

// EventType is the one member of a logout token's events claim (§2.4).
const EventType = "http://schemas.openid.net/event/backchannel-logout"

// TokenType is the typ header of logout tokens (§2.4: explicit typing,
// so a logout token cannot pass for an ID token, nor one for it).
const TokenType = "logout+jwt"

// claims of a logout token (§2.4). There is never a nonce: a logout token
// with one is refused by clients, so that an ID token cannot pass for it.
type claims struct {
	Iss    string                    `json:"iss"`
	Aud    string                    `json:"aud"`
	Iat    int64                     `json:"iat"`
	Exp    int64                     `json:"exp"`
	Jti    string                    `json:"jti"`
	Sub    string                    `json:"sub"`
	Sid    string                    `json:"sid,omitempty"`
	Events map[string]map[string]any `json:"events"`
}

// token signs d's logout token for c, with the algorithm of c's ID tokens
// (§2.4: the same keys as ID tokens).
func (s *Sender) token(ctx context.Context, c store.ConnectedApp, d store.LogoutDelivery) (string, error) {
	alg := c.IDTokenSignedResponseAlg
	if alg == "" {
		alg = keys.RS256
	}
	signer, err := s.keys.Signer(ctx, d.ProjectID, alg)
	if err != nil {
		return "", fmt.Errorf("logout: signer: %w", err)
	}
	now := s.now()
	return signer.SignJWT(claims{
		Iss: s.issuer, Aud: c.ClientID, Iat: now.Unix(), Exp: now.Add(tokenTTL).Unix(), Jti: d.ID,
		Sub: d.UserID, Sid: d.SessionID, Events: map[string]map[string]any{EventType: {}},
	}, TokenType)
}
