package demo

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

//go:embed templates/page.html
var templateFS embed.FS

//go:embed static/demo.css
var css []byte

// favicon is linked from every page, so browsers do not ask for a
// /favicon.ico the app does not have.
//
//go:embed static/favicon.svg
var favicon []byte

// The one page template: html/template escapes everything it prints, the
// bank's claims included.
var pageTemplate = template.Must(template.ParseFS(templateFS, "templates/page.html"))

// page is what one response shows: an error, the signed-in user, a bank
// choice, or (all nil) the signed-out home page.
type page struct {
	Error       *pageError
	Profile     *profile
	Selected    *selection
	SelectorURL string
	Hint        string
}

type pageError struct{ Title, Message string }

// Title is the document title.
func (p page) Title() string {
	switch {
	case p.Error != nil:
		return p.Error.Title
	case p.Profile != nil:
		return "You're signed in"
	case p.Selected != nil:
		return "Bank chosen"
	}
	return "Welcome"
}

// csp allows the app's own style sheet and form posts to itself, and
// nothing else: no script at all, no framing.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func (a *App) render(w http.ResponseWriter, status int, p page) {
	if p.Hint == "" {
		p.Hint = a.cfg.Hint
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		a.cfg.Logger.Error("demo: render", "err", err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// errorPage explains a failure. It never redirects: the request that
// failed may carry anything.
func (a *App) errorPage(w http.ResponseWriter, status int, title, message string) {
	a.render(w, status, page{Error: &pageError{Title: title, Message: message}})
}

// asset serves an embedded file.
func asset(contentType string, b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(b)
	}
}
