package banks

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
	"github.com/signet-id/signet/internal/web"
	"github.com/signet-id/signet/oidc"
	"github.com/signet-id/signet/rp"
)

// selected is GET /verify/selected: the account selector's answer for a
// run Signet started itself. The signed selection must be this project's,
// for this run's application and state, and name a bank of the project
// with the issuer the query shows.
func (f *Flow) selected(w http.ResponseWriter, r *http.Request) {
	v, _, err := f.bound(r)
	if err != nil {
		f.unboundPage(w, r, err)
		return
	}
	// Pending, or at a bank already: a person who went Back from the
	// bank's page and chose again starts a fresh attempt (toBank).
	if v.Status != store.VerificationPending && v.Status != store.VerificationAtBank {
		f.answeredPage(w, r, v)
		return
	}
	q := r.URL.Query()
	sel, err := f.verifySelection(r.Context(), v.ProjectID, v.ClientID, q.Get("selection"))
	if err != nil || sel.State != v.ID || sel.IDPIssuer != q.Get("iss") || sel.IDPID != q.Get("idp_id") {
		api.Logger(r.Context()).WarnContext(r.Context(), "bank selection refused", "request_id", api.RequestID(r), "err", err)
		f.page(w, r, http.StatusBadRequest, web.ErrorPage{Title: "Invalid bank selection",
			Message: "The bank choice could not be checked, so it was not used.", Action: f.startAgain(v),
			Detail: "The signed selection is missing, expired, or does not match this run's state, iss and idp_id."})
		return
	}
	b, err := f.Registry.Store.Bank(r.Context(), v.ProjectID, sel.IDPID)
	if err != nil || b.Issuer != sel.IDPIssuer {
		f.fail(w, r, v, http.StatusBadRequest, "bank_not_found", "That bank is no longer available. Choose another.")
		return
	}
	f.toBank(w, r, v, b)
}

// toBank pushes the authorization request to bank b (rp: PAR, request
// object, PKCE S256, state, nonce, JARM), records the proofs on the run
// and sends the browser to the bank. A run already at a bank (the person
// came Back and chose again) gets a fresh attempt: new proofs replace
// the old, so the earlier attempt's answer, should it still come, fails
// the state check and is refused without ending the run (callback).
func (f *Flow) toBank(w http.ResponseWriter, r *http.Request, v store.BankVerification, b store.Bank) {
	cl, err := f.client(b)
	if err != nil {
		f.internal(w, r, err)
		return
	}
	p := rp.NewProofs()
	opts := []rp.AuthOption{rp.WithScopes(v.Scopes...)}
	if len(v.Claims) > 0 {
		opts = append(opts, rp.WithParam("claims", string(v.Claims)))
	}
	opts = append(opts, freshnessOf(v, b, web.IsSignedOut(r)).options()...)
	if name := f.requesterName(r.Context(), v); name != "" {
		// The bank shows the application the person came from, beside
		// Signet's own registered name (oidc.ParamRequesterName).
		opts = append(opts, rp.WithParam(oidc.ParamRequesterName, name))
	}
	to, err := cl.PushAuthorization(r.Context(), p, opts...)
	if err != nil {
		code, msg, status := bankFailure(err, b.DisplayName)
		f.logBank(r, v, b, err)
		f.fail(w, r, v, status, code, msg)
		return
	}
	from := v.Status
	if from != store.VerificationAtBank {
		from = store.VerificationPending
	}
	_, err = f.transition(r.Context(), v.ID, from, store.VerificationAtBank, func(v *store.BankVerification) {
		v.BankID, v.State, v.Nonce, v.CodeVerifier = b.ID, p.State, p.Nonce, p.CodeVerifier
		v.Attempts++
	})
	if errors.Is(err, errStale) {
		f.answeredPage(w, r, v)
		return
	} else if err != nil {
		f.internal(w, r, err)
		return
	}
	seeOther(w, to)
}

// requesterName is the name of the application run v verifies for: the
// Connected App of a sign-in run; "" when there is none (an API run), or
// it cannot be read (the bank then shows Signet's name alone).
func (f *Flow) requesterName(ctx context.Context, v store.BankVerification) string {
	if v.ClientID == "" || f.Apps == nil {
		return ""
	}
	app, err := f.Apps.Lookup(ctx, v.ClientID)
	if err != nil {
		return ""
	}
	name := strings.TrimSpace(strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, app.Name))
	if r := []rune(name); len(r) > oidc.MaxRequesterName {
		name = string(r[:oidc.MaxRequesterName])
	}
	return name
}

// begin is GET /verify/begin?token=: the start URL of an API run. The
// token's secret works once; the run is then bound to this browser and
// goes to its bank, or to the selector when the caller named none.
func (f *Flow) begin(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := strings.Cut(r.URL.Query().Get("token"), ".")
	if !ok {
		f.unboundPage(w, r, errUnbound)
		return
	}
	binding := secrets.New("")
	v, err := f.Store.UpdateBankVerification(r.Context(), id, store.Now(f.Now), func(v *store.BankVerification) error {
		if len(v.BeginHash) == 0 || !f.Pepper.Equal(v.BeginHash, beginLabel+secret) {
			return errUnbound
		}
		v.BeginHash = nil // one use
		v.BindingHash = f.Pepper.Hash(bindingLabel + binding)
		v.UpdatedAt = store.Now(f.Now)
		return nil
	})
	if err != nil {
		f.unboundPage(w, r, err)
		return
	}
	f.bind(w, r, v.ID, binding, v.ExpiresAt)
	if v.BankID != "" {
		b, err := f.Registry.Store.Bank(r.Context(), v.ProjectID, v.BankID)
		if err != nil {
			f.fail(w, r, v, http.StatusBadRequest, "bank_not_found", "That bank is no longer available.")
			return
		}
		f.toBank(w, r, v, b)
		return
	}
	f.flowSelector(w, r, v, binding, "")
}

// flowSelector shows the selector inside an API run: the choice posts to
// /verify/select, bound to the run by its cookie and an anti-CSRF token
// derived from the binding secret.
func (f *Flow) flowSelector(w http.ResponseWriter, r *http.Request, v store.BankVerification, binding, query string) {
	page, targets, err := f.bankList(r.Context(), v.ProjectID, v.VisitorID, query)
	if err != nil {
		f.internal(w, r, err)
		return
	}
	tok := f.flowCSRF(binding)
	page.SearchAction = beginSearchPath
	page.SearchFields = nil
	page.Action = choosePath
	page.Fields = []web.Field{{Name: "csrf_token", Value: tok}}
	f.renderSelector(w, r, http.StatusOK, page, targets)
}

// beginSearchPath serves the search box of an API run's selector.
const beginSearchPath = "/verify/search"

func (f *Flow) search(w http.ResponseWriter, r *http.Request) {
	v, binding, err := f.bound(r)
	if err != nil {
		f.unboundPage(w, r, err)
		return
	}
	f.flowSelector(w, r, v, binding, strings.TrimSpace(r.URL.Query().Get("q")))
}

func (f *Flow) flowCSRF(binding string) string {
	return base64.RawURLEncoding.EncodeToString(f.Pepper.Hash("signet-verify-csrf\x00" + binding))
}

// chooseInFlow is POST /verify/select.
func (f *Flow) chooseInFlow(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		f.errorPage(w, r, http.StatusBadRequest, "Invalid request", "The form could not be read.")
		return
	}
	v, binding, err := f.bound(r)
	if err != nil {
		f.unboundPage(w, r, err)
		return
	}
	tok, err := base64.RawURLEncoding.DecodeString(r.PostForm.Get("csrf_token"))
	if err != nil || !f.Pepper.Equal(tok, "signet-verify-csrf\x00"+binding) {
		f.errorPage(w, r, http.StatusForbidden, "This page has expired",
			"The form was not issued to this browser. Go back to the application and start again.")
		return
	}
	if !f.allow(w, r) {
		return
	}
	b, err := f.Registry.Store.Bank(r.Context(), v.ProjectID, r.PostForm.Get("bank_id"))
	if err != nil {
		f.flowSelector(w, r, v, binding, "")
		return
	}
	if v.VisitorID != "" {
		// The run's visitor: the one its API caller named, or Signet's
		// own cookie for a run the sign-in page started.
		_ = f.remember(r, v.ProjectID, v.VisitorID, b.ID)
	}
	f.toBank(w, r, v, b)
}

// callback is GET /verify/callback, the redirect URI registered at every
// bank. Exactly one request completes a run: the one that moves it from
// at_bank to completing. Then the bank's answer is checked (rp.Exchange:
// JARM signature, issuer, audience, expiry and state before any error it
// carries is believed; code with PKCE; ID token and nonce), the user is
// found or made, and the browser goes on.
func (f *Flow) callback(w http.ResponseWriter, r *http.Request) {
	v, _, err := f.bound(r)
	if err != nil {
		f.unboundPage(w, r, err)
		return
	}
	seen := v
	v, err = f.transition(r.Context(), v.ID, store.VerificationAtBank, store.VerificationCompleting, nil)
	if errors.Is(err, errStale) {
		f.answeredPage(w, r, seen)
		return
	} else if err != nil {
		f.internal(w, r, err)
		return
	}
	b, err := f.Registry.Store.Bank(r.Context(), v.ProjectID, v.BankID)
	if err != nil {
		f.fail(w, r, v, http.StatusBadRequest, "bank_not_found", "The bank you chose is no longer available.")
		return
	}
	// The sign-out mark is read again here: it asked the bank for a fresh
	// sign-in when the request was pushed (a mark set in between, by a
	// sign-out in another tab, fails this answer, and the next attempt
	// asks).
	signedOut := web.IsSignedOut(r)
	id, err := f.exchange(r.Context(), v, b, r.URL.RequestURI(), signedOut)
	if errors.Is(err, rp.ErrStateMismatch) && v.Attempts > 1 {
		// The answer to an earlier attempt of this run (the person went
		// Back and chose again): the current attempt stays open. On a
		// first attempt a wrong state is a bad answer and fails the run.
		if _, rerr := f.transition(r.Context(), v.ID, store.VerificationCompleting, store.VerificationAtBank, nil); rerr != nil {
			f.internal(w, r, rerr)
			return
		}
		f.logBank(r, v, b, err)
		f.errorPage(w, r, http.StatusConflict, "This answer is from an earlier attempt",
			"You started again at your bank after this. Finish there, in the page your bank opened last.")
		return
	}
	if err != nil {
		code, msg, status := bankFailure(err, b.DisplayName)
		f.logBank(r, v, b, err)
		f.fail(w, r, v, status, code, msg)
		return
	}
	if v.Kind == store.VerificationKindAPI {
		id.LinkUserID = v.UserID
	}
	res, err := f.Accounts.RecordBankVerification(r.Context(), v.ProjectID, id)
	if err != nil {
		if code, msg, status, ok := accountFailure(err); ok {
			f.fail(w, r, v, status, code, msg)
			return
		}
		f.logBank(r, v, b, err)
		f.fail(w, r, v, http.StatusInternalServerError, "server_error", "The verification could not be completed because of an error on our side. Try again, or sign in another way.")
		return
	}
	f.observe(r.Context(), v, "verified")
	if signedOut {
		// The bank has just authenticated the person afresh.
		web.ClearSignedOut(w, r, f.Issuer)
	}
	if v.Kind == store.VerificationKindLogin {
		sess, err := f.Accounts.StartBankSession(r.Context(), v.ProjectID, res, f.SessionDuration)
		if err != nil {
			f.fail(w, r, v, http.StatusInternalServerError, "server_error", "The verification could not be completed because of an error on our side. Try again, or sign in another way.")
			return
		}
		if _, err := f.transition(r.Context(), v.ID, store.VerificationCompleting, store.VerificationDone, func(v *store.BankVerification) {
			v.UserID, v.VerificationID = res.User.ID, res.Verification.ID
			v.State, v.Nonce, v.CodeVerifier = "", "", ""
		}); err != nil {
			f.internal(w, r, err)
			return
		}
		// The authorization request goes on from a clean address: a
		// reload there works, and the bank's answer does not stay in the
		// address bar and history.
		f.Login.SignedIn(w, r, sess)
		f.leave(w, r, f.Issuer+resumePath, "You're verified", "Taking you back to the application…")
		return
	}
	f.unbind(w, r)
	result := secrets.New("")
	if _, err := f.transition(r.Context(), v.ID, store.VerificationCompleting, store.VerificationVerified, func(v *store.BankVerification) {
		v.UserID, v.VerificationID = res.User.ID, res.Verification.ID
		v.ResultHash = f.Pepper.Hash(resultLabel + result)
	}); err != nil {
		f.internal(w, r, err)
		return
	}
	f.leave(w, r, appendQuery(v.RedirectURL, url.Values{"bank_verification_id": {v.ID}, "token": {v.ID + "." + result}}),
		"You're verified", "Taking you back to the application…")
}

// answeredPage answers the bank's answer seen again: Back from the
// application, or a reload. A sign-in run that signed the person in goes
// on from its clean address (the binding stays for it); any other run
// says it is over, with a way to start again.
func (f *Flow) answeredPage(w http.ResponseWriter, r *http.Request, v store.BankVerification) {
	if v.Kind == store.VerificationKindLogin && (v.Status == store.VerificationDone || v.Status == store.VerificationResumed) {
		f.page(w, r, http.StatusOK, web.ErrorPage{
			Title: "You're verified", Done: true,
			Message: "Your bank has already confirmed who you are.",
			Action:  &web.Link{Label: "Continue", URL: f.Issuer + resumePath},
		})
		return
	}
	f.page(w, r, http.StatusConflict, web.ErrorPage{
		Title:   "Verification already completed",
		Message: "This answer from your bank was already used.",
		Action:  f.startAgain(v),
		Detail:  "The run is " + string(v.Status) + "; a bank's answer completes a run once.",
	})
}

// resume is GET /verify/resume: the authorization request of a login run
// that signed the person in goes on. The first resume counts as a fresh
// sign-in; a reload proceeds as any later visit would.
func (f *Flow) resume(w http.ResponseWriter, r *http.Request) {
	v, _, err := f.bound(r)
	if err != nil {
		f.unboundPage(w, r, err)
		return
	}
	if v.Kind != store.VerificationKindLogin || v.Status != store.VerificationDone && v.Status != store.VerificationResumed {
		f.page(w, r, http.StatusConflict, web.ErrorPage{Title: "Verification not finished",
			Message: "This verification has not signed you in.", Action: f.startAgain(v),
			Detail: "The run is " + string(v.Status) + "; only a finished sign-in run resumes."})
		return
	}
	fresh := ""
	if v.Status == store.VerificationDone {
		switch _, err := f.transition(r.Context(), v.ID, store.VerificationDone, store.VerificationResumed, nil); {
		case err == nil:
			fresh = v.UserID
		case !errors.Is(err, errStale): // stale: another tab resumed it first
			f.internal(w, r, err)
			return
		}
	}
	f.Login.ResumeAfterBank(w, r, v.AuthorizationRequest, fresh)
}

// protocolClaims are the ID token claims about the token rather than the
// person; they are not part of what the bank released about the user.
var protocolClaims = []string{"iss", "aud", "azp", "exp", "iat", "nbf", "nonce", "at_hash", "c_hash", "s_hash",
	"auth_time", "acr", "amr", "sid", "jti"}

// exchange completes the relying-party flow and gathers what the bank
// asserted: ID token claims, then userinfo (which wins), then payment
// details when the scope was granted.
func (f *Flow) exchange(ctx context.Context, v store.BankVerification, b store.Bank, callbackURL string, signedOut bool) (users.BankIdentity, error) {
	cl, err := f.client(b)
	if err != nil {
		return users.BankIdentity{}, err
	}
	ts, err := cl.Exchange(ctx, callbackURL, rp.Proofs{State: v.State, Nonce: v.Nonce, CodeVerifier: v.CodeVerifier})
	if err != nil {
		return users.BankIdentity{}, err
	}
	if err := freshnessOf(v, b, signedOut).check(ts.Claims, v.CreatedAt, store.Now(f.Now)); err != nil {
		return users.BankIdentity{}, err
	}
	claims := map[string]any{}
	for k, val := range ts.Claims {
		claims[k] = val
	}
	for _, k := range protocolClaims {
		delete(claims, k)
	}
	info, err := cl.UserInfo(ctx, ts)
	if err != nil {
		return users.BankIdentity{}, err
	}
	for k, val := range info {
		claims[k] = val
	}
	acr, _ := ts.Claims["acr"].(string)
	id := users.BankIdentity{BankID: b.ID, Issuer: b.Issuer, BankName: b.DisplayName, Subject: ts.Subject(), Claims: claims, ACR: acr}
	if granted(ts.Scope, v.Scopes, "payment_details") {
		pd, err := cl.PaymentDetails(ctx, ts)
		if err != nil {
			return users.BankIdentity{}, err
		}
		if id.PaymentDetails, err = json.Marshal(pd); err != nil {
			return users.BankIdentity{}, err
		}
	}
	// What the bank says becomes the user's record: it is outside text
	// like a form's (api.ValidText), and an answer with a NUL in it cannot
	// be used. (Decoding has already made invalid UTF-8 U+FFFD.)
	all, err := json.Marshal(claims)
	if err != nil || !api.ValidJSONText(all) || !api.ValidJSONText(id.PaymentDetails) || !api.ValidText(id.Subject) || !api.ValidText(acr) {
		return users.BankIdentity{}, &rp.ValidationError{Reason: "the bank's answer holds text that is not valid UTF-8, or a NUL"}
	}
	return id, nil
}

// granted reports whether scope s was granted: the token response's scope
// when the bank sent one, else what was requested (RFC 6749 §5.1: scope
// may be omitted when it is the requested one).
func granted(tokenScope string, requested []string, s string) bool {
	if tokenScope == "" {
		return slices.Contains(requested, s)
	}
	return slices.Contains(strings.Fields(tokenScope), s)
}

// bankFailure turns what went wrong at the bank into a code for programs,
// a sentence for the person and an HTTP status for the page.
func bankFailure(err error, bank string) (code, message string, status int) {
	var oe *rp.OAuthError
	var ve *rp.ValidationError
	var te *rp.TransportError
	switch {
	case errors.As(err, &oe) && oe.Code == "access_denied":
		return "access_denied", fmt.Sprintf("You cancelled the verification at %s. Try again, or sign in another way.", bank), http.StatusForbidden
	case errors.As(err, &oe):
		// The bank's own description is protocol detail for developers: it
		// goes to the log (logBank), not to the person.
		switch oe.Code {
		case "server_error", "temporarily_unavailable":
			return "bank_error", fmt.Sprintf("%s could not verify you just now. This is temporary: try again in a few minutes.", bank), http.StatusBadGateway
		case "login_required", "interaction_required", "consent_required", "account_selection_required":
			return "bank_error", fmt.Sprintf("%s needs you to sign in there again. Start again to continue.", bank), http.StatusBadGateway
		}
		return "bank_error", fmt.Sprintf("%s is not set up correctly for this service, so it could not verify you. Sign in another way, or contact support.", bank), http.StatusBadGateway
	case errors.As(err, &ve):
		return "invalid_bank_response", fmt.Sprintf("The answer from %s could not be verified, so it was not used. Start again to retry.", bank), http.StatusBadGateway
	case errors.Is(err, errStaleSignIn):
		return "stale_bank_sign_in", fmt.Sprintf("%s did not ask you to sign in again, as this verification needs, so its answer was not used. Start again.", bank), http.StatusBadGateway
	case errors.As(err, &te):
		return "bank_unavailable", fmt.Sprintf("%s could not be reached. Try again in a few minutes.", bank), http.StatusBadGateway
	}
	return "server_error", "The verification could not be completed because of an error on our side. Try again, or sign in another way.", http.StatusInternalServerError
}

// accountFailure is the error code, the sentence for the person and the
// status of a bank's answer that could not become a user
// (users.Service.RecordBankVerification); ok is false for an internal
// failure, which gets server_error.
func accountFailure(err error) (code, message string, status int, ok bool) {
	var inv *users.InvalidError
	switch {
	case errors.Is(err, users.ErrBankEmailConflict):
		return "bank_email_conflict", "An account with this email address already exists. Sign in to it first, then verify with your bank.", http.StatusConflict, true
	case errors.Is(err, users.ErrBankSubjectConflict):
		return "bank_subject_conflict", "This bank account already verified a different user.", http.StatusConflict, true
	case errors.Is(err, users.ErrUserNotFound): // the API run's user, deleted meanwhile
		return "user_not_found", "User could not be found.", http.StatusNotFound, true
	case errors.As(err, &inv):
		return inv.Code, inv.Message, http.StatusBadRequest, true
	}
	return "", "", 0, false
}

// fail ends run v with code and message: a login run shows the sign-in
// page again with the message; an API run goes to its redirect URL with
// error and error_description.
func (f *Flow) fail(w http.ResponseWriter, r *http.Request, v store.BankVerification, status int, code, message string) {
	f.observe(r.Context(), v, code)
	f.unbind(w, r)
	_, err := f.Store.UpdateBankVerification(r.Context(), v.ID, store.Now(f.Now), func(s *store.BankVerification) error {
		s.Status, s.ErrorCode, s.ErrorMessage, s.UpdatedAt = store.VerificationFailed, code, message, store.Now(f.Now)
		s.BindingHash, s.State, s.Nonce, s.CodeVerifier = nil, "", "", ""
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		api.Logger(r.Context()).ErrorContext(r.Context(), "bank verification: recording failure", "request_id", api.RequestID(r), "err", err)
	}
	switch v.Kind {
	case store.VerificationKindLogin:
		f.Login.LoginFailed(w, r, v.AuthorizationRequest, status, message)
	default:
		f.leave(w, r, appendQuery(v.RedirectURL, url.Values{"bank_verification_id": {v.ID}, "error": {code}, "error_description": {message}}),
			"Verification failed", message)
	}
}

func (f *Flow) logBank(r *http.Request, v store.BankVerification, b store.Bank, err error) {
	api.Logger(r.Context()).WarnContext(r.Context(), "bank verification failed", "request_id", api.RequestID(r),
		"bank_verification_id", v.ID, "bank_id", b.ID, "issuer", b.Issuer, "err", err)
}

// unboundPage answers a request with no run behind it: expired, finished,
// or started in another browser. There is nowhere safe to send it.
func (f *Flow) unboundPage(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, errUnbound) && !errors.Is(err, store.ErrNotFound) {
		f.internal(w, r, err)
		return
	}
	f.unbind(w, r)
	f.page(w, r, http.StatusBadRequest, web.ErrorPage{Title: "Verification expired",
		Message: "This bank verification has expired, was already completed, or was started in another browser: start again from the application.",
		Fine:    "Nothing was changed in your account.",
		Detail:  "No live run is bound to this browser (the binding cookie is missing, expired or for a finished run)."})
}
