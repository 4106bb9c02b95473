package banks

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/web"
)

// errorPage explains a verification that cannot go on and has nowhere
// safe to send the browser: no redirect, so an unknown URL is never
// followed.
func (f *Flow) errorPage(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	f.page(w, r, status, web.ErrorPage{Title: title, Message: message, Fine: "Nothing was changed in your account."})
}

// page shows p, an error page or a page about a finished run, with the
// brand and the request's support code.
func (f *Flow) page(w http.ResponseWriter, r *http.Request, status int, p web.ErrorPage) {
	p.Brand, p.SupportCode = f.Branding, api.RequestID(r)
	var b bytes.Buffer
	if err := web.Error(&b, p); err != nil {
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	web.SetPageHeaders(w, web.CSP{})
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// startAgain is the way on from run v's error page, when a safe one is
// known: a sign-in run starts its authorization request again on this
// server; an API run goes back to the origin of the redirect_url its
// application's backend named.
func (f *Flow) startAgain(v store.BankVerification) *web.Link {
	switch {
	case v.Kind == store.VerificationKindLogin && v.AuthorizationRequest != "":
		return &web.Link{Label: "Start again", URL: f.Issuer + "/oauth2/authorize?" + v.AuthorizationRequest}
	case v.RedirectURL != "":
		if u, err := url.Parse(v.RedirectURL); err == nil && u.Host != "" {
			return &web.Link{Label: "Back to the application", URL: u.Scheme + "://" + u.Host + "/"}
		}
	}
	return nil
}

// leave sends the browser to to with a document rather than a redirect
// (web.ContinuePage says why).
func (f *Flow) leave(w http.ResponseWriter, r *http.Request, to, title, message string) {
	var b bytes.Buffer
	if err := web.Continue(&b, web.ContinuePage{Brand: f.Branding, Title: title, Message: message, URL: to}); err != nil {
		f.internal(w, r, err)
		return
	}
	web.SetPageHeaders(w, web.CSP{})
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}
