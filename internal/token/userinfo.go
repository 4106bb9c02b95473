package token

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/dpop"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// UserInfo serves the OpenID Connect UserInfo endpoint (Core §5.3):
//
//	GET  /v1/oauth2/userinfo   Authorization: Bearer <access token>
//	POST /v1/oauth2/userinfo   the same, or access_token in a form body (RFC 6750 §2.2)
//
// It answers with sub and the claims the token's scopes release, and those
// its grant's claims request names under userinfo (Core §5.5), read from
// the user record as it is now (not as it was when the token was issued).
type UserInfo struct {
	Tokens *Checker
	Users  Users
	// Members reads a B2B member's claims (nil: a member's token is
	// refused).
	Members Members
}

// UserInfoPath is the route of the endpoint, for the discovery document.
const UserInfoPath = "/v1/oauth2/userinfo"

// Mount registers the routes on mux.
func (u *UserInfo) Mount(mux api.Router) {
	mux.HandleFunc("GET "+UserInfoPath, u.serve)
	mux.HandleFunc("POST "+UserInfoPath, u.serve)
}

// userInfoResponse is the UserInfo response (Core §5.3.2) with Stytch's
// request_id and status_code (stytch-api.md §5.6).
type userInfoResponse struct {
	Sub string `json:"sub"`
	// Organization is a B2B member's organization (member.go).
	Organization *orgClaim `json:"https://stytch.com/organization,omitempty"`
	userClaims
	api.Meta
}

func (u *UserInfo) serve(w http.ResponseWriter, r *http.Request) {
	resp, err := u.userInfo(r.Context(), w, r)
	if err != nil {
		api.WriteOAuthError(w, r, err)
		return
	}
	// Personal data: not for shared caches.
	api.WriteNoStore(w, r, http.StatusOK, resp)
}

// errBadBearer is every refused access token (RFC 6750 §3.1), a new
// value each time so that no caller can change a shared one.
func errBadBearer() *oidc.Error {
	return oidc.NewError(oidc.InvalidToken, "The access token is invalid, expired or revoked.")
}

func (u *UserInfo) userInfo(ctx context.Context, w http.ResponseWriter, r *http.Request) (*userInfoResponse, error) {
	at, err := u.Tokens.userToken(ctx, w, r)
	if err != nil {
		return nil, err
	}
	scopes := splitScope(at.Scope)
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		// Core §5.3: UserInfo serves tokens of OpenID Connect requests.
		return nil, oidc.NewError(oidc.InsufficientScope, "The access token was not granted the openid scope.")
	}
	sub, err := readSubject(ctx, u.Users, u.Members, *at.Grant)
	if errors.Is(err, errNoSubject) {
		return nil, errBadBearer()
	} else if err != nil {
		return nil, oidc.Errorf(oidc.ServerError, "The user could not be read.", err)
	}
	names := released(scopes, at.Grant.Claims, inUserInfo)
	return &userInfoResponse{Sub: sub.id(), Organization: sub.orgClaim(), userClaims: sub.claims(names, u.Tokens.now())}, nil
}

// userToken reads and checks the Bearer access token of a request to an
// endpoint that serves a user's data (UserInfo, payment details): a live
// token of a user's grant, presented with its certificate if it is bound.
// Every failure that is the token's is 401 invalid_token (RFC 6750 §3.1).
func (k *Checker) userToken(ctx context.Context, w http.ResponseWriter, r *http.Request) (*accessToken, error) {
	tok, scheme, err := bearerToken(w, r)
	if err != nil {
		return nil, err
	}
	at, err := k.access(ctx, "", tok)
	if errors.Is(err, errInactive) {
		return nil, errBadBearer()
	}
	if err != nil {
		return nil, oidc.Errorf(oidc.ServerError, "The access token could not be checked.", err)
	}
	if at.Grant == nil {
		// An M2M token: it speaks for a client, not for a user.
		return nil, errBadBearer()
	}
	if !presentedWith(at.Cnf, r) {
		// RFC 8705 §3: a bound token needs its certificate; §6.3 401 invalid_token.
		return nil, errBadBearer()
	}
	if err := k.checkDPoP(ctx, r, scheme, tok, at.Cnf); err != nil {
		return nil, err
	}
	return at, nil
}

// checkDPoP checks a DPoP-bound token's proof (RFC 9449 §7.1): the DPoP
// scheme, a proof for this request and token (ath) by the key cnf.jkt
// names. A bound token sent as Bearer, or an unbound one as DPoP, is
// invalid_token; a bad proof is 401 invalid_dpop_proof.
func (k *Checker) checkDPoP(ctx context.Context, r *http.Request, scheme, tok string, cnf *confirmation) error {
	jkt := ""
	if cnf != nil {
		jkt = cnf.JKT
	}
	isDPoP := strings.EqualFold(scheme, "DPoP")
	switch {
	case jkt == "" && !isDPoP:
		return nil
	case jkt == "" || !isDPoP || k.DPoP == nil:
		return errBadBearer()
	}
	urls := []string{k.Issuer + r.URL.Path}
	if k.MTLSBaseURL != "" {
		urls = append(urls, k.MTLSBaseURL+r.URL.Path)
	}
	p, err := k.DPoP.Check(ctx, r, dpop.Request{Method: r.Method, URLs: urls, AccessToken: tok})
	var oe *oidc.Error
	if errors.As(err, &oe) && oe.Status == http.StatusBadRequest {
		oe.Status = http.StatusUnauthorized // a resource server's answer (RFC 9449 §7.1)
	}
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(p.JKT), []byte(jkt)) != 1 {
		return errBadBearer()
	}
	return nil
}

// tokenUser reads the user an access token speaks for; a user deleted
// since makes the token invalid.
func tokenUser(ctx context.Context, users Users, at *accessToken) (store.User, error) {
	if at.Grant != nil && at.Grant.MemberID != "" {
		return store.User{}, errBadBearer() // a B2B member's: no user's data
	}
	user, err := users.User(ctx, at.ProjectID, at.Sub)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, errBadBearer()
	}
	if err != nil {
		return store.User{}, oidc.Errorf(oidc.ServerError, "The user could not be read.", err)
	}
	return user, nil
}

// bearerToken reads the access token of a request and the scheme it came
// with: from the Authorization header, Bearer (RFC 6750 §2.1) or DPoP
// (RFC 9449 §7.1; the scheme is case-insensitive, RFC 9110 §11.1), or
// from an access_token parameter in a form-encoded POST body (RFC 6750
// §2.2, scheme Bearer). A request may use only one method (§2).
func bearerToken(w http.ResponseWriter, r *http.Request) (tok, scheme string, err error) {
	var fromHeader, fromBody string
	if h := r.Header.Get("Authorization"); h != "" {
		s, t, ok := strings.Cut(h, " ")
		if !ok || (!strings.EqualFold(s, "Bearer") && !strings.EqualFold(s, "DPoP")) || strings.TrimSpace(t) == "" {
			return "", "", errBadBearer()
		}
		fromHeader, scheme = strings.TrimSpace(t), s
	}
	if r.Method == http.MethodPost {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
			body, err := readSmall(w, r)
			if err != nil {
				return "", "", err
			}
			vals, err := url.ParseQuery(body)
			if err != nil {
				return "", "", invalidRequest("The request body is not a valid form.")
			}
			if len(vals["access_token"]) > 1 {
				return "", "", invalidRequest("The access_token parameter is repeated.")
			}
			fromBody = vals.Get("access_token")
		}
	}
	switch {
	case fromHeader != "" && fromBody != "":
		return "", "", invalidRequest("The access token was sent both in the Authorization header and in the body; use one.")
	case fromHeader != "":
		return fromHeader, scheme, nil
	case fromBody != "":
		return fromBody, "Bearer", nil
	}
	return "", "", oidc.NewError(oidc.InvalidToken, "No access token was sent.")
}

// readSmall reads a body of at most maxBody bytes.
func readSmall(w http.ResponseWriter, r *http.Request) (string, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return "", invalidRequest("The request body could not be read.")
	}
	return string(b), nil
}
