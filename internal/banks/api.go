package banks

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
	"github.com/signet-id/signet/oidc"
)

// The management API of bank verifications, for a backend that runs the
// journey itself (as it would with Stytch's OAuth start and authenticate):
//
//  1. POST /v1/bank_verifications/start returns a one-time URL; the app
//     sends the person's browser there.
//  2. Signet takes the browser through the selector (unless bank_id was
//     given) and the bank, and sends it to redirect_url with
//     bank_verification_id and token, or with error and
//     error_description.
//  3. POST /v1/bank_verifications/authenticate redeems the token once for
//     the verified user and, with session_duration_minutes, a session.

type startRequest struct {
	BankID      string          `json:"bank_id"`
	RedirectURL string          `json:"redirect_url"`
	VisitorID   string          `json:"visitor_id"`
	Scopes      []string        `json:"scopes"`
	Claims      json.RawMessage `json:"claims"`
	// UserID links the verification to this user (by user ID or external
	// ID) rather than finding or creating one.
	UserID string `json:"user_id"`
	// CodeChallenge is an RFC 7636 S256 challenge whose verifier the
	// authenticate call must present (for apps that redeem in another
	// process than the one that started).
	CodeChallenge string `json:"code_challenge"`
}

type startResponse struct {
	api.Meta
	BankVerificationID string `json:"bank_verification_id"`
	URL                string `json:"url"`
	ExpiresAt          string `json:"expires_at"`
}

func (f *Flow) start(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req startRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	if err := checkRedirectURL(req.RedirectURL); err != nil {
		return err
	}
	for _, s := range req.Scopes {
		if !slices.Contains(bankScopes, s) {
			return api.BadRequest("invalid_scope", "scopes may hold only %s.", strings.Join(bankScopes, ", "))
		}
	}
	if len(req.Claims) > 0 {
		if _, err := oidc.ParseClaimsRequest(req.Claims); err != nil {
			return api.BadRequest("invalid_claims", "claims is not an OpenID Connect claims request (Core §5.5).")
		}
	}
	if req.CodeChallenge != "" && !oidc.ValidCodeVerifier(req.CodeChallenge) {
		// A S256 challenge is 43 base64url characters, the verifier alphabet.
		return api.BadRequest("invalid_code_challenge", "code_challenge must be the base64url SHA-256 of a code verifier (RFC 7636 §4.2).")
	}
	if len(req.VisitorID) > maxSelectorParam {
		return api.BadRequest("invalid_visitor_id", "visitor_id is too long.")
	}
	if req.BankID != "" {
		if _, err := f.Registry.Store.Bank(r.Context(), p.ID, req.BankID); errors.Is(err, store.ErrNotFound) {
			return api.Errorf(http.StatusNotFound, "bank_not_found", "No bank with this bank_id in the project.")
		} else if err != nil {
			return api.Internal(err)
		}
	}
	if req.UserID != "" {
		u, err := f.Store.User(r.Context(), p.ID, req.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return api.Errorf(http.StatusNotFound, "user_not_found", "User could not be found.")
		} else if err != nil {
			return api.Internal(err)
		}
		req.UserID = u.ID
	}
	scopes := req.Scopes
	if len(scopes) == 0 {
		scopes = []string{"phone", "address"}
	}
	now := store.Now(f.Now)
	begin := secrets.New("")
	v := store.BankVerification{
		ID: newFlowID(), ProjectID: p.ID, Kind: store.VerificationKindAPI, Status: store.VerificationPending,
		RedirectURL: req.RedirectURL, UserID: req.UserID, BankID: req.BankID, VisitorID: req.VisitorID,
		Scopes: scopesFor(scopes), Claims: req.Claims, CodeChallenge: req.CodeChallenge,
		BeginHash: f.Pepper.Hash(beginLabel + begin), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(flowTTL),
	}
	// An authenticated caller: its runs carry no source and no bound.
	if err := f.Store.CreateBankVerification(r.Context(), v, 0); err != nil {
		return api.Internal(err)
	}
	api.WriteNoStore(w, r, http.StatusOK, &startResponse{
		BankVerificationID: v.ID,
		URL:                f.Issuer + beginPath + "?" + url.Values{"token": {v.ID + "." + begin}}.Encode(),
		ExpiresAt:          v.ExpiresAt.Format(time.RFC3339),
	})
	return nil
}

// checkRedirectURL accepts an absolute https URL without fragment, or
// http on a loopback host (development).
func checkRedirectURL(s string) error {
	u, err := url.Parse(s)
	secure := err == nil && (u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname()))
	bad := s == "" || err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || u.User != nil || !secure
	if bad {
		return api.BadRequest("invalid_redirect_url", "redirect_url must be an absolute https URL without fragment (http only on localhost).")
	}
	return nil
}

type authenticateRequest struct {
	Token                  string `json:"token"`
	SessionDurationMinutes *int64 `json:"session_duration_minutes"`
	CodeVerifier           string `json:"code_verifier"`
}

type authenticateResponse struct {
	api.Meta
	BankVerificationID string `json:"bank_verification_id"`
	UserID             string `json:"user_id"`
	User               any    `json:"user"`
	UserCreated        bool   `json:"user_created"`
	Verification       any    `json:"verification"`
	SessionToken       string `json:"session_token"`
	SessionJWT         string `json:"session_jwt"`
	Session            any    `json:"session"`
}

var errBadToken = api.Errorf(http.StatusUnauthorized, "invalid_bank_verification_token",
	"The bank verification token is invalid, expired or already used.")

// authenticate redeems an API run's result token, once.
func (f *Flow) authenticate(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req authenticateRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	var d time.Duration
	if m := req.SessionDurationMinutes; m != nil {
		if *m < 5 || *m > 527040 {
			return api.BadRequest("invalid_session_duration", "session_duration_minutes must be between 5 and 527040.")
		}
		d = time.Duration(*m) * time.Minute
	}
	v, err := f.redeem(r.Context(), p, req)
	if err != nil {
		return err
	}
	u, err := f.Store.User(r.Context(), p.ID, v.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return api.Errorf(http.StatusNotFound, "user_not_found", "The verified user was deleted.")
	} else if err != nil {
		return api.Internal(err)
	}
	res := users.BankResult{User: u, Created: !u.CreatedAt.Before(v.CreatedAt)}
	for _, ver := range u.Verifications {
		if ver.ID == v.VerificationID {
			res.Verification = ver
		}
	}
	out := &authenticateResponse{BankVerificationID: v.ID, UserID: u.ID, User: users.UserJSON(u, store.Now(f.Now)),
		UserCreated: res.Created, Verification: users.VerificationJSON(res.Verification), Session: nil}
	if d > 0 {
		s, err := f.Accounts.StartBankSession(r.Context(), p.ID, res, d)
		if err != nil {
			return users.APIError(err)
		}
		out.SessionToken, out.SessionJWT, out.Session = s.Token, s.JWT, users.SessionJSON(s.Session)
	}
	api.WriteNoStore(w, r, http.StatusOK, out)
	return nil
}

// redeem marks the run of req's result token done, once: the token must
// be the project's, of a verified API run, and the code_verifier must
// match the start call's code_challenge if it had one.
func (f *Flow) redeem(ctx context.Context, p store.Project, req authenticateRequest) (store.BankVerification, error) {
	id, secret, ok := strings.Cut(req.Token, ".")
	if !ok || id == "" {
		return store.BankVerification{}, errBadToken
	}
	var pkceFailed bool
	v, err := f.Store.UpdateBankVerification(ctx, id, store.Now(f.Now), func(v *store.BankVerification) error {
		if v.ProjectID != p.ID || v.Kind != store.VerificationKindAPI || v.Status != store.VerificationVerified ||
			len(v.ResultHash) == 0 || !f.Pepper.Equal(v.ResultHash, resultLabel+secret) {
			return errBadToken
		}
		if v.CodeChallenge != "" && subtle.ConstantTimeCompare([]byte(oidc.S256Challenge(req.CodeVerifier)), []byte(v.CodeChallenge)) != 1 {
			pkceFailed = true
			return errBadToken
		}
		v.Status, v.ResultHash, v.UpdatedAt = store.VerificationDone, nil, store.Now(f.Now)
		return nil
	})
	switch {
	case pkceFailed:
		return v, api.BadRequest("invalid_code_verifier", "code_verifier does not match the code_challenge of the start call.")
	case errors.Is(err, store.ErrNotFound):
		return v, errBadToken
	}
	return v, err
}

type getResponse struct {
	api.Meta
	BankVerificationID string `json:"bank_verification_id"`
	Status             string `json:"status"`
	BankID             string `json:"bank_id"`
	UserID             string `json:"user_id"`
	VerificationID     string `json:"verification_id"`
	ErrorCode          string `json:"error_code"`
	ErrorMessage       string `json:"error_message"`
	CreatedAt          string `json:"created_at"`
	ExpiresAt          string `json:"expires_at"`
}

// get reports where a run stands (an app polling instead of waiting for
// the redirect, or debugging one that failed).
func (f *Flow) get(w http.ResponseWriter, r *http.Request, p store.Project) error {
	v, err := f.Store.BankVerification(r.Context(), r.PathValue("bank_verification_id"), store.Now(f.Now))
	if errors.Is(err, store.ErrNotFound) || err == nil && v.ProjectID != p.ID {
		return api.Errorf(http.StatusNotFound, "bank_verification_not_found", "Bank verification could not be found.")
	} else if err != nil {
		return api.Internal(err)
	}
	api.WriteNoStore(w, r, http.StatusOK, &getResponse{
		BankVerificationID: v.ID, Status: v.Status, BankID: v.BankID, UserID: v.UserID, VerificationID: v.VerificationID,
		ErrorCode: v.ErrorCode, ErrorMessage: v.ErrorMessage,
		CreatedAt: v.CreatedAt.Format(time.RFC3339), ExpiresAt: v.ExpiresAt.Format(time.RFC3339),
	})
	return nil
}
