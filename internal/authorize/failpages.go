package authorize

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/web"
	"github.com/signet-id/signet/oidc"
)

// The error pages of the hosted endpoint: one sentence for a person, a way
// on when a safe one is known, the support code, and the protocol error
// only behind "Details for developers" (and in the log). A way back to the
// application leads to the origin of an address it registered, never to
// one a request merely named (RFC 9700 §4.11: no open redirector).

// finishedError is a pushed request whose authorization has completed: a
// reload, or Back from the application. Its one use is spent (RFC 9126
// §4), so the page says the person is done and leads back.
type finishedError struct {
	Client *store.ConnectedApp // nil: the application is gone
}

func (e *finishedError) Error() string {
	return "invalid_request_uri: the request_uri was used already"
}

// finished is the finishedError of a pushed request by clientID.
func (a *Authorizer) finished(ctx context.Context, clientID string) error {
	c, err := a.Clients.Lookup(ctx, clientID)
	if err != nil {
		return &finishedError{}
	}
	return &finishedError{Client: &c}
}

// backTo is the way back to c: the origin of its first registered http(s)
// redirect URL; nil when there is none (or no client).
func backTo(c *store.ConnectedApp) *web.Link {
	if c == nil {
		return nil
	}
	for _, s := range c.RedirectURLs {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		return &web.Link{Label: "Back to " + appName(c), URL: u.Scheme + "://" + u.Host + "/"}
	}
	return nil
}

// appName is how a page names c.
func appName(c *store.ConnectedApp) string {
	if c == nil || c.Name == "" {
		return "the application"
	}
	return c.Name
}

// requestClient is the client a failed request names, if it names an
// active one: its registered addresses are a safe way back.
func (h *Hosted) requestClient(r *http.Request) *store.ConnectedApp {
	id := r.Form.Get("client_id")
	if id == "" {
		return nil
	}
	c, err := h.Core.Clients.Lookup(r.Context(), id)
	if err != nil {
		return nil
	}
	return &c
}

// clientErrorPage explains a request that cannot be answered at its
// redirect_uri (c: its client when known). Every cause but an expired
// link is the application's misconfiguration, and the page says so.
func (h *Hosted) clientErrorPage(w http.ResponseWriter, r *http.Request, ce *clientError, c *store.ConnectedApp) {
	name := appName(c)
	p := web.ErrorPage{Detail: ce.Type + ": " + ce.Message, Action: backTo(c)}
	switch ce.Type {
	case "invalid_client_id":
		p.Title = "Unknown application"
		p.Message = "The application that sent you here is not registered with this service, so it is misconfigured: contact its support."
	case string(oidc.InvalidRequestURI):
		p.Title = "This link has expired"
		p.Message = "The sign-in you followed has expired: go back to " + name + " and start again."
	default:
		p.Title = "This application is misconfigured"
		p.Message = "Sign-in cannot continue because " + name + " is misconfigured: contact its support."
	}
	h.errorPage(w, r, http.StatusBadRequest, p)
}

// finishedPage answers a finished authorization seen again: Back from the
// application, or a reload.
func (h *Hosted) finishedPage(w http.ResponseWriter, r *http.Request, c *store.ConnectedApp) {
	h.errorPage(w, r, http.StatusConflict, web.ErrorPage{
		Title:   "You're done here",
		Message: "You have already finished signing in to " + appName(c) + ".",
		Fine:    "To sign in again, start again from the application.",
		Action:  backTo(c),
		Detail:  "invalid_request_uri: the request_uri was used, and is used once (RFC 9126 section 4).",
	})
}

// faultPage answers an internal fault with no redirect_uri to send it to:
// temporary when the store did not answer in time, else an error on our
// side. A GET can simply be tried again.
func (h *Hosted) faultPage(w http.ResponseWriter, r *http.Request, err error, c *store.ConnectedApp) {
	var again *web.Link
	if r.Method == http.MethodGet {
		again = &web.Link{Label: "Try again", URL: r.URL.RequestURI()}
	}
	if errors.Is(err, store.ErrUnavailable) {
		h.errorPage(w, r, http.StatusServiceUnavailable, web.ErrorPage{
			Title:   "Temporarily unavailable",
			Message: "This service is busy or briefly down; this is temporary, so wait a moment and try again.",
			Action:  again, Detail: string(oidc.TemporarilyUnavailable),
		})
		return
	}
	if again == nil {
		again = backTo(c)
	}
	h.errorPage(w, r, http.StatusInternalServerError, web.ErrorPage{
		Title:   "Something went wrong",
		Message: "Sign-in could not be completed because of an error on our side.",
		Action:  again, Detail: string(oidc.ServerError),
	})
}

// unreadablePage answers a query or form that could not be read.
func (h *Hosted) unreadablePage(w http.ResponseWriter, r *http.Request, detail string) {
	h.errorPage(w, r, http.StatusBadRequest, web.ErrorPage{
		Title:   "This address is damaged",
		Message: "The address or form that brought you here could not be read: go back to the application and start again.",
		Detail:  "invalid_request: " + detail,
	})
}

// expiredFormPage answers a form whose anti-CSRF token does not fit this
// browser: its authorization request, shown afresh, is the way on (the
// authorization endpoint validates it as any other).
func (h *Hosted) expiredFormPage(w http.ResponseWriter, r *http.Request) {
	p := web.ErrorPage{
		Title:   "This page has expired",
		Message: "The form was not issued to this browser, or its cookies were cleared: start again to continue.",
		Detail:  "The anti-CSRF token of the form does not match this browser's cookie.",
	}
	if carried := r.PostForm.Get("authorization_request"); carried != "" {
		if _, err := url.ParseQuery(carried); err == nil {
			p.Action = &web.Link{Label: "Start again", URL: authorizePath + "?" + carried}
		}
	}
	h.errorPage(w, r, http.StatusForbidden, p)
}
