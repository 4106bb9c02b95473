package web

import (
	"bytes"
	"embed"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"
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
	// form_post is the only page with script: the external
	// /assets/form_post.js, which submits its form.
	"form_post": parse("form_post"),
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
}

// ErrorPage explains a request that cannot go back to the application.
type ErrorPage struct {
	Brand   Branding
	Title   string
	Message string
}

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

// Mount serves the embedded static assets.
func Mount(mux *http.ServeMux) {
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
