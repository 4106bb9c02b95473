package demo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
)

// The account selector, used on its own: an app sends the browser to
// Signet's /select-bank with its client_id and a visitor ID, and Signet
// sends it back to the app's registered Origin URL with iss, idp_id,
// visitor_id and selection, a JWS over the same values signed with the
// project's RS256 key (internal/banks documents it).

// selectionType is the selection's JWS typ (RFC 8725 §3.11).
const selectionType = "signet-selection+jwt"

// selection is the signed selection's payload.
type selection struct {
	Issuer    string `json:"iss"`
	Audience  string `json:"aud"`
	Expiry    int64  `json:"exp"`
	IDPIssuer string `json:"idp_issuer"`
	IDPID     string `json:"idp_id"`
	VisitorID string `json:"visitor_id"`
}

// selectorURL is the account selector for this browser, whose visitor ID
// (a random cookie) lets the selector remember its bank.
func (a *App) selectorURL(w http.ResponseWriter, r *http.Request) string {
	visitor := ""
	if c, err := r.Cookie(visitorCookie); err == nil && len(c.Value) == 43 {
		visitor = c.Value
	} else {
		visitor = randomToken()
		a.setCookie(w, visitorCookie, visitor, "/", visitorTTL)
	}
	q := url.Values{
		"client_id":  {a.cfg.ClientID},
		"visitor_id": {visitor},
		"scope":      {"openid profile email"},
		"origin_url": {a.cfg.BaseURL + SelectedPath},
	}
	return a.cfg.Issuer + "/select-bank?" + q.Encode()
}

// selected is GET /bank/selected, the Origin URL: the bank choice counts
// only with a valid signed selection for this app that names the bank the
// query shows. The page only shows the choice; an app that acts on it
// (goes on to that bank) also binds it to the browser, with the state it
// sent the selector, which the selection carries signed.
func (a *App) selected(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sel, err := a.verifySelection(r.Context(), q.Get("selection"))
	if err == nil && (sel.IDPIssuer != q.Get("iss") || sel.IDPID != q.Get("idp_id")) {
		err = errors.New("selection does not match iss and idp_id")
	}
	if err != nil {
		a.cfg.Logger.WarnContext(r.Context(), "demo: bank selection refused", "err", err)
		a.errorPage(w, http.StatusBadRequest, "Bank choice not verified",
			"The bank choice could not be verified. Choose your bank again from the home page.")
		return
	}
	a.render(w, http.StatusOK, page{Selected: &sel, SelectorURL: a.selectorURL(w, r)})
}

// verifySelection checks the JWS: compact (go-oidc's key set also takes
// the JSON serialization, which a JWT never has, RFC 7519 §1), RS256 only,
// typ, a key of this project's JWKS, Signet as iss, this app as aud,
// unexpired.
func (a *App) verifySelection(ctx context.Context, raw string) (selection, error) {
	var sel selection
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(jws.Signatures) != 1 {
		return sel, errors.New("selection is not a single RS256 JWS")
	}
	if typ, _ := jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType].(string); typ != selectionType {
		return sel, errors.New("selection has the wrong typ")
	}
	payload, err := a.selectionKeySet(ctx).VerifySignature(ctx, raw)
	if err != nil {
		return sel, err
	}
	if err := json.Unmarshal(payload, &sel); err != nil {
		return sel, err
	}
	switch {
	case sel.Issuer != a.cfg.Issuer:
		return sel, errors.New("selection: wrong iss")
	case sel.Audience != a.cfg.ClientID:
		return sel, errors.New("selection: wrong aud")
	case sel.Expiry < a.cfg.Now().Unix():
		return sel, errors.New("selection: expired")
	}
	return sel, nil
}

// selectionKeySet is the project's own JWKS (not the union of every
// project's keys at /.well-known/jwks.json), fetched once and cached.
func (a *App) selectionKeySet(ctx context.Context) *oidc.RemoteKeySet {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.selKeys == nil {
		u := a.cfg.Issuer + "/v1/public/" + url.PathEscape(a.cfg.ProjectID) + "/.well-known/jwks.json"
		a.selKeys = oidc.NewRemoteKeySet(oidc.ClientContext(context.WithoutCancel(ctx), a.cfg.HTTPClient), u)
	}
	return a.selKeys
}
