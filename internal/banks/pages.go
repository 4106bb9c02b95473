package banks

import (
	"bytes"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/web"
)

// errorPage explains a verification that cannot go on and has nowhere
// safe to send the browser: no redirect, so an unknown URL is never
// followed.
func (f *Flow) errorPage(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	var b bytes.Buffer
	err := web.Error(&b, web.ErrorPage{Brand: f.Branding, Title: title, Message: message,
		Fine: "Nothing was changed in your account. Go back to the application and start again.", SupportCode: api.RequestID(r)})
	if err != nil {
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	web.SetPageHeaders(w, web.CSP{})
	w.WriteHeader(status)
	w.Write(b.Bytes())
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
