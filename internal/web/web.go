package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"

	"github.com/signet-id/signet/internal/api"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds one template set per page (layout + page), parsed once at
// start-up from embedded files: a parse error is a build defect, so it
// panics.
var pages = map[string]*template.Template{
	"login":   parse("login"),
	"consent": parse("consent"),
	"error":   parse("error"),
	// logout asks whether to sign out (OpenID Connect RP-Initiated
	// Logout 1.0 §2); signed_out says how it ended.
	"logout":     parse("logout"),
	"signed_out": parse("signed_out"),
	// select_bank is the account selector.
	"select_bank": parse("select_bank"),
	// continue ends a chain of redirects with a document (see
	// ContinuePage).
	"continue": parse("continue"),
	// form_post is the only page with script: the external
	// /assets/form_post.js, which submits its form.
	"form_post": parse("form_post"),
	// home and document are Signet's pages about itself (internal/home).
	"home":     parse("home"),
	"document": parse("document"),
}

func parse(name string) *template.Template {
	return template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
}

var funcs = template.FuncMap{
	// initial is the first letter of a name, upper-cased: the stand-in
	// for a client without a logo.
	"initial": func(name string) string {
		for _, r := range name {
			return strings.ToUpper(string(r))
		}
		return "?"
	},
}

// Client is how a page shows the application asking for access.
type Client struct {
	Name    string
	LogoURL string // https, or "" for none
}

// Form is what every page with a form carries back in hidden fields.
type Form struct {
	Action string // the URL the form posts to
	CSRF   string // the anti-CSRF token
	// Request is the pending authorization request, re-validated in full
	// when the form comes back.
	Request string
}

// LoginPage is the sign-in form.
type LoginPage struct {
	Brand  Branding
	Client Client
	Form   Form
	Email  string // pre-filled (login_hint, or the last attempt)
	Error  string // shown above the form; "" for none
	// Bank is the "Verify with your bank" form, nil when the project has
	// no bank.
	Bank *Form
}

// Scope is one permission on the consent page.
type Scope struct {
	Name        string
	Description string
}

// ConsentPage asks the signed-in user to allow or deny the client.
type ConsentPage struct {
	Brand     Branding
	Client    Client
	Form      Form
	Session   string // the session the decision is bound to
	UserEmail string
	Scopes    []Scope
	// SwitchURL signs in with another account ("" to hide the link).
	SwitchURL string
	// AccountURL is the person's account page, where they can remove the
	// access later ("" for no link).
	AccountURL string
}

// ErrorPage explains a request that cannot go on. A person reads one
// sentence (Message) and finds a way on (Action); what a developer needs
// (the protocol error) waits in an expandable section, and the support
// code finds the request's log lines.
type ErrorPage struct {
	Brand Branding
	Title string
	// Message is the one sentence for a person: no protocol words.
	Message string
	// Fine is optional small print under the action.
	Fine string
	// Action is the way on, nil when none is safe: it must lead to this
	// server or to an address the application registered, never to one a
	// request merely named.
	Action *Link
	// Detail is for developers ("" hides the section): the protocol error
	// as the application would have received it.
	Detail string
	// SupportCode is the request ID, shown so that a person can quote it
	// and support can find the request's log lines ("" hides it).
	SupportCode string
	// Done marks a page about something already finished (Back after
	// success) rather than a failure.
	Done bool
}

// SelectBankPage is the account selector: the project's banks, a search
// over them, and one button per bank posting the choice.
type SelectBankPage struct {
	Brand  Branding
	Client Client // the application asking (Name "" for Signet's own flows)
	Query  string
	Error  string
	// SearchAction and SearchFields are the search form's GET target and
	// the parameters it keeps.
	SearchAction string
	SearchFields []Field
	// Action and Fields are the choice form's POST target and hidden
	// fields (anti-CSRF token included).
	Action string
	Fields []Field
	Banks  []BankOption
	// Style is the banks' colours as CSS rules (.bank-N custom
	// properties) for the inline <style>, whose hash the page's CSP
	// allows: StyleHash.
	Style template.CSS
}

// BankOption is one bank in the selector.
type BankOption struct {
	ID         string
	Name       string
	LogoURL    string
	Class      string // "bank-N", the class its colours hang on
	Remembered bool   // the visitor chose it last time: pre-selected
}

// StyleHash is the CSP source expression allowing p's inline style.
func (p SelectBankPage) StyleHash() string {
	sum := sha256.Sum256([]byte(p.Style))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// ContinuePage sends the browser on to URL with a meta refresh (and a
// link), without script. It ends a redirect chain that started with a
// form on another site: Chromium checks that form's CSP form-action
// against every redirect after the submission, so a bank's consent form
// would otherwise block Signet's redirect on to the application.
type ContinuePage struct {
	Brand   Branding
	Title   string
	Message string
	URL     string
}

// HomePage is the page at the issuer's root, for a person who opened it
// in a browser: what this server is, and where its documents are.
type HomePage struct {
	Brand  Branding
	Issuer string
	Links  []Link
}

// Link is one entry of the home page's list, or an error page's way on.
type Link struct {
	Label string
	URL   string
	Note  string // a few words after the link ("" for none)
}

// DocumentPage is a reference document (the error reference) as a page.
type DocumentPage struct {
	Brand Branding
	Title string
	// Body is the document as HTML. It is inserted as it is: the caller
	// renders it from text embedded in the binary, escaping that text.
	Body template.HTML
}

// Home renders the home page.
func Home(w io.Writer, p HomePage) error { return render(w, "home", p) }

// Document renders a document page.
func Document(w io.Writer, p DocumentPage) error { return render(w, "document", p) }

// Continue renders the continue page.
func Continue(w io.Writer, p ContinuePage) error { return render(w, "continue", p) }

// SelectBank renders the account selector.
func SelectBank(w io.Writer, p SelectBankPage) error { return render(w, "select_bank", p) }

// Field is one parameter of a form post.
type Field struct {
	Name  string
	Value string
}

// FormPostPage carries an authorization response to the client as a
// form post (OAuth 2.0 Form Post Response Mode; JARM §2.3.3): a form
// posting Fields to Action (the redirect_uri), submitted on load by
// /assets/form_post.js, with a button for browsers without script.
type FormPostPage struct {
	Brand  Branding
	Action string
	Fields []Field
}

// FormPostScript is the path of the script that submits a FormPostPage:
// its page's Content-Security-Policy must allow it (script-src 'self').
const FormPostScript = "/assets/form_post.js"

// FormPost renders the form post page.
func FormPost(w io.Writer, p FormPostPage) error { return render(w, "form_post", p) }

// Login renders the sign-in page.
func Login(w io.Writer, p LoginPage) error { return render(w, "login", p) }

// Consent renders the consent page.
func Consent(w io.Writer, p ConsentPage) error { return render(w, "consent", p) }

// LogoutPage asks the person whether to end their Signet session, for an
// application's logout request that did not prove it is theirs.
type LogoutPage struct {
	Brand  Branding
	Client Client
	// Form.Request is the logout request, validated again when it comes
	// back.
	Form      Form
	Session   string // the session the decision is bound to
	UserEmail string
}

// SignedOutPage ends a logout that has nowhere to go back to, or that
// the person declined.
type SignedOutPage struct {
	Brand   Branding
	Title   string
	Message string
	// BackURL leads back to the application (a registered
	// post_logout_redirect_uri), "" for none.
	BackURL  string
	BackName string
}

// Logout renders the logout confirmation.
func Logout(w io.Writer, p LogoutPage) error { return render(w, "logout", p) }

// SignedOut renders the page after a logout.
func SignedOut(w io.Writer, p SignedOutPage) error { return render(w, "signed_out", p) }

// Error renders the error page.
func Error(w io.Writer, p ErrorPage) error { return render(w, "error", p) }

// render executes into a buffer first, so a failing template never sends
// half a page.
func render(w io.Writer, name string, data any) error {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// SetPageHeaders sets the security headers of every hosted page: the
// given Content-Security-Policy, no framing, no sniffing, no referrer,
// nothing cached.
func SetPageHeaders(w http.ResponseWriter, csp CSP) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp.String())
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// Mount serves the embedded static assets.
func Mount(mux api.Router) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded directory exists at build time
	}
	files := http.StripPrefix("/assets/", http.FileServerFS(sub))
	mux.Handle("GET /assets/{file}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	}))
}
