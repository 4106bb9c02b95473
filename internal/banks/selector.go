package banks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/web"
)

// The account selector (reference/idpartner-protocol.md §2): an
// application sends the browser to
//
//	/select-bank?client_id=&visitor_id=&scope=&claims=[&state=][&origin_url=]
//
// the person picks one of the project's banks, and the browser goes back
// to the application's Origin URL with iss (the bank's issuer), idp_id
// (its registry ID), visitor_id and state. client_id is a Connected App;
// the Origin URL is one of its registered origin_urls (origin_url chooses
// among them, the first is the default) or Signet's own /verify/selected,
// never an address the query alone names.
//
// The IDPartner selector returns iss unsigned, and the clients trust it
// (§2.2). Here the answer also carries selection, a JWS signed with the
// project's RS256 key (the project JWKS verifies it) over the same values,
// for the application's audience and valid for selectionTTL, so an
// application can tell a real choice from an edited query.
//
// The choice is remembered for choiceTTL and pre-selected next time, for
// the browser rather than for the visitor_id the query names: the page
// sets Signet's own visitor cookie (see Flow.visitor), and a choice is
// remembered only when the browser brought that cookie back, keyed by a
// peppered hash of it. A client cannot mint visitors by choosing a fresh
// visitor_id each time, nor read another visitor's bank by naming its
// visitor_id. visitor_id is only carried back to the application, signed
// in the selection. limit.go has the other bounds on these writes.

// selectionTTL is the life of the signed selection.
const selectionTTL = 5 * time.Minute

// SelectionType is the JWS typ of the signed selection (RFC 8725 §3.11:
// explicit typing, so it passes for no other kind of token).
const SelectionType = "signet-selection+jwt"

// selectorQuery is the selector's request, carried through its forms.
type selectorQuery struct {
	ClientID, VisitorID, Scope, Claims, State, OriginURL, Q string
}

func parseSelectorQuery(v url.Values) selectorQuery {
	return selectorQuery{
		ClientID: v.Get("client_id"), VisitorID: v.Get("visitor_id"), Scope: v.Get("scope"),
		Claims: v.Get("claims"), State: v.Get("state"), OriginURL: v.Get("origin_url"), Q: strings.TrimSpace(v.Get("q")),
	}
}

// fields are the parameters the selector's forms carry (without q).
func (q selectorQuery) fields() []web.Field {
	var out []web.Field
	for _, f := range []web.Field{
		{Name: "client_id", Value: q.ClientID}, {Name: "visitor_id", Value: q.VisitorID},
		{Name: "scope", Value: q.Scope}, {Name: "claims", Value: q.Claims},
		{Name: "state", Value: q.State}, {Name: "origin_url", Value: q.OriginURL},
	} {
		if f.Value != "" {
			out = append(out, f)
		}
	}
	return out
}

func (q selectorQuery) encode() string {
	v := url.Values{}
	for _, f := range q.fields() {
		v.Set(f.Name, f.Value)
	}
	return v.Encode()
}

// Limits on what the query may carry: the page echoes it back.
const maxSelectorParam = 2048

// caller resolves the selector's client and the Origin URL it returns to.
func (f *Flow) caller(ctx context.Context, q selectorQuery) (store.ConnectedApp, string, error) {
	for _, s := range []string{q.ClientID, q.VisitorID, q.Scope, q.Claims, q.State, q.OriginURL, q.Q} {
		if len(s) > maxSelectorParam {
			return store.ConnectedApp{}, "", errSelector("Invalid request", "The request is too long.")
		}
	}
	if q.ClientID == "" {
		return store.ConnectedApp{}, "", errSelector("Invalid request", "The request names no application (client_id).")
	}
	app, err := f.Apps.Lookup(ctx, q.ClientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return app, "", errSelector("Unknown application", "No application is registered with this client_id.")
	case err != nil:
		return app, "", err
	case app.Status != "" && app.Status != "active":
		return app, "", errSelector("Unknown application", "This application is not active.")
	}
	own := f.Issuer + selectedPath
	switch {
	case q.OriginURL == own:
		return app, own, nil
	case q.OriginURL != "":
		// Exact string match, as redirect URIs (RFC 9700 §4.1.3).
		if slices.Contains(app.OriginURLs, q.OriginURL) {
			return app, q.OriginURL, nil
		}
		return app, "", errSelector("Invalid return address", "origin_url is not one of the application's registered Origin URLs.")
	case len(app.OriginURLs) > 0:
		return app, app.OriginURLs[0], nil
	}
	return app, "", errSelector("Invalid return address", "The application has no registered Origin URL to return to.")
}

// selectorError is a request the selector cannot answer at the Origin
// URL: it shows a page, never a redirect.
type selectorError struct{ title, message string }

func (e *selectorError) Error() string { return e.message }

func errSelector(title, message string) error { return &selectorError{title, message} }

// selector is GET /select-bank: the page.
func (f *Flow) selector(w http.ResponseWriter, r *http.Request) {
	q := parseSelectorQuery(r.URL.Query())
	app, origin, err := f.caller(r.Context(), q)
	if err != nil {
		f.selectorFailed(w, r, err)
		return
	}
	f.selectorPage(w, r, app, q, origin, f.knownVisitor(w, r), http.StatusOK, "")
}

// knownVisitor is the browser's visitor ID if it is established, else ""
// (and the cookie is set for next time).
func (f *Flow) knownVisitor(w http.ResponseWriter, r *http.Request) string {
	if id, established := f.visitor(w, r); established {
		return id
	}
	return ""
}

// choose is POST /select-bank: remember the choice, sign it, and go back.
func (f *Flow) choose(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		f.errorPage(w, r, http.StatusBadRequest, "Invalid request", "The form could not be read.")
		return
	}
	if !f.selectorCSRF().OK(r) {
		f.errorPage(w, r, http.StatusForbidden, "This page has expired",
			"The form was not issued to this browser, or its cookies were cleared. Go back to the application and start again.")
		return
	}
	if !f.allow(w, r) {
		return
	}
	q := parseSelectorQuery(r.PostForm)
	app, origin, err := f.caller(r.Context(), q)
	if err != nil {
		f.selectorFailed(w, r, err)
		return
	}
	visitor := f.knownVisitor(w, r)
	b, err := f.Registry.Store.Bank(r.Context(), app.ProjectID, r.PostForm.Get("bank_id"))
	if errors.Is(err, store.ErrNotFound) {
		f.selectorPage(w, r, app, q, origin, visitor, http.StatusBadRequest, "That bank is no longer available. Choose another.")
		return
	} else if err != nil {
		f.internal(w, r, err)
		return
	}
	if visitor != "" {
		if err := f.remember(r, app.ProjectID, visitor, b.ID); err != nil {
			f.internal(w, r, err)
			return
		}
	}
	sel, err := f.signSelection(r.Context(), app, b, q)
	if err != nil {
		f.internal(w, r, err)
		return
	}
	back := url.Values{"iss": {b.Issuer}, "idp_id": {b.ID}, "selection": {sel}}
	if q.VisitorID != "" {
		back.Set("visitor_id", q.VisitorID)
	}
	if q.State != "" {
		back.Set("state", q.State)
	}
	seeOther(w, appendQuery(origin, back))
}

func appendQuery(base string, v url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + v.Encode()
}

// Selection is the payload of the signed selection.
type Selection struct {
	Issuer    string `json:"iss"` // Signet
	Audience  string `json:"aud"` // the client_id
	IssuedAt  int64  `json:"iat"`
	Expiry    int64  `json:"exp"`
	ID        string `json:"jti"`
	IDPIssuer string `json:"idp_issuer"` // the chosen bank's issuer (the iss query parameter)
	IDPID     string `json:"idp_id"`
	VisitorID string `json:"visitor_id,omitempty"`
	State     string `json:"state,omitempty"`
}

func (f *Flow) signSelection(ctx context.Context, app store.ConnectedApp, b store.Bank, q selectorQuery) (string, error) {
	s, err := f.Keys.Signer(ctx, app.ProjectID, "RS256")
	if err != nil {
		return "", err
	}
	now := f.Now()
	return s.SignJWT(Selection{
		Issuer: f.Issuer, Audience: app.ClientID, IssuedAt: now.Unix(), Expiry: now.Add(selectionTTL).Unix(),
		ID: uuid.NewString(), IDPIssuer: b.Issuer, IDPID: b.ID, VisitorID: q.VisitorID, State: q.State,
	}, SelectionType)
}

// verifySelection checks a signed selection of projectID for audience
// and returns it.
func (f *Flow) verifySelection(ctx context.Context, projectID, audience, raw string) (Selection, error) {
	var sel Selection
	payload, hdr, err := f.Keys.Verify(ctx, projectID, raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return sel, fmt.Errorf("selection signature: %w", err)
	}
	if typ, _ := hdr.ExtraHeaders[jose.HeaderType].(string); typ != SelectionType {
		return sel, errors.New("selection: wrong typ")
	}
	if err := json.Unmarshal(payload, &sel); err != nil {
		return sel, err
	}
	now := f.Now().Unix()
	switch {
	case sel.Issuer != f.Issuer:
		return sel, errors.New("selection: wrong iss")
	case sel.Audience != audience:
		return sel, errors.New("selection: wrong aud")
	case sel.Expiry < now:
		return sel, errors.New("selection: expired")
	}
	return sel, nil
}

// selectorPage renders the selector for q, with visitor's remembered
// bank first ("" for none).
func (f *Flow) selectorPage(w http.ResponseWriter, r *http.Request, app store.ConnectedApp, q selectorQuery, origin, visitor string, status int, message string) {
	fields := append(q.fields(), web.Field{Name: "csrf_token", Value: f.selectorCSRF().Token(w, r)})
	page, targets, err := f.bankList(r.Context(), app.ProjectID, visitor, q.Q)
	if err != nil {
		f.internal(w, r, err)
		return
	}
	// The choice's 303 goes to the Origin URL, which goes on to the bank
	// (Signet's own /verify/selected, and IDPartner-style apps): Chromium
	// checks form-action against every redirect after a submission.
	if origin == f.Issuer+selectedPath {
		origin = targets
	} else {
		origin = strings.TrimSpace(web.CSPSource(origin) + " " + targets)
	}
	name := app.Name
	if name == "" {
		name = "an application"
	}
	page.Client = web.Client{Name: name, LogoURL: app.LogoURL}
	page.Error = message
	page.SearchAction, page.SearchFields = selectPath, q.fields()
	page.Action, page.Fields = selectPath, fields
	f.renderSelector(w, r, status, page, origin)
}

// bankList is the selector's list: the project's banks whose name or
// issuer contains query (case-insensitively), the visitor's last choice
// first and marked.
//
// targets are the banks' origins: choosing one of Signet's own flows ends
// in a redirect to the bank, which the page's form-action must allow.
func (f *Flow) bankList(ctx context.Context, projectID, visitorID, query string) (page web.SelectBankPage, targets string, err error) {
	bs, err := f.Registry.Store.Banks(ctx, projectID)
	if err != nil {
		return page, "", err
	}
	remembered := ""
	if visitorID != "" {
		c, err := f.Store.RememberedBank(ctx, projectID, f.visitorHash(projectID, visitorID), store.Now(f.Now))
		if err == nil {
			remembered = c.BankID
		} else if !errors.Is(err, store.ErrNotFound) {
			return page, "", err
		}
	}
	needle := strings.ToLower(query)
	var css strings.Builder
	var origins []string
	for _, b := range bs {
		if o := web.CSPSource(b.Issuer); o != "" && !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
		if needle != "" && !strings.Contains(strings.ToLower(b.DisplayName), needle) && !strings.Contains(strings.ToLower(b.Issuer), needle) {
			continue
		}
		o := web.BankOption{ID: b.ID, Name: b.DisplayName, LogoURL: b.LogoURL,
			Class: fmt.Sprintf("bank-%d", len(page.Banks)), Remembered: b.ID == remembered}
		// Colours are validated #rgb/#rrggbb (checkColor), so they are
		// safe to write into a style sheet as they are.
		if b.PrimaryColor != "" || b.BackgroundColor != "" {
			fmt.Fprintf(&css, ".%s{", o.Class)
			if b.BackgroundColor != "" {
				fmt.Fprintf(&css, "--bank-bg:%s;", b.BackgroundColor)
			}
			if b.PrimaryColor != "" {
				fmt.Fprintf(&css, "--bank-fg:%s;", b.PrimaryColor)
			}
			css.WriteString("}")
		}
		if o.Remembered {
			page.Banks = append([]web.BankOption{o}, page.Banks...)
		} else {
			page.Banks = append(page.Banks, o)
		}
	}
	page.Style = template.CSS(css.String())
	page.Query = query
	return page, strings.Join(origins, " "), nil
}

// renderSelector writes the page with headers that allow its inline style
// by hash and form submissions to this server and to the Origin URL (the
// POST answers with a redirect there, and Chromium applies form-action to
// the redirects after a submission).
func (f *Flow) renderSelector(w http.ResponseWriter, r *http.Request, status int, page web.SelectBankPage, target string) {
	page.Brand = f.Branding
	var b bytes.Buffer
	if err := web.SelectBank(&b, page); err != nil {
		f.internal(w, r, err)
		return
	}
	csp := web.CSP{HTTPSImages: true, FormAction: []string{"'self'"}}
	if page.Style != "" {
		csp.Styles = []string{page.StyleHash()}
	}
	if target != "" {
		csp.FormAction = append(csp.FormAction, target)
	}
	web.SetPageHeaders(w, csp)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// visitorHash keys the selector's memory: a visitor ID is an identifier
// of a browser, so only its peppered hash is stored.
func (f *Flow) visitorHash(projectID, visitorID string) []byte {
	return f.Pepper.Hash("signet-visitor\x00" + projectID + "\x00" + visitorID)
}

// remember records that visitorID chose bankID, counted against the
// client address of r (Limits.ChoicesPerSource).
func (f *Flow) remember(r *http.Request, projectID, visitorID, bankID string) error {
	now := store.Now(f.Now)
	return f.Store.RememberBank(r.Context(), store.BankChoice{
		ProjectID: projectID, VisitorHash: f.visitorHash(projectID, visitorID), SourceHash: f.sourceHash(f.clientSource(r)),
		BankID: bankID, ChosenAt: now, ExpiresAt: now.Add(choiceTTL),
	}, f.Limits.ChoicesPerSource)
}

// selectorCSRF is the selector's anti-CSRF token (web.CSRF, as the
// sign-in pages', with its own cookie and label).
func (f *Flow) selectorCSRF() web.CSRF {
	return web.CSRF{Cookie: "signet_select_csrf", Path: selectPath, Label: "signet-select-csrf\x00", Pepper: f.Pepper, Issuer: f.Issuer}
}

func (f *Flow) selectorFailed(w http.ResponseWriter, r *http.Request, err error) {
	var se *selectorError
	if errors.As(err, &se) {
		f.errorPage(w, r, http.StatusBadRequest, se.title, se.message)
		return
	}
	f.internal(w, r, err)
}
