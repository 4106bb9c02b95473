package web

import (
	"bytes"
	"html/template"
	"io"
	"net/url"
)

// The person's account page (internal/account) and its sign-in form. They
// are parsed on their own, beside the pages of web.go, with the same
// layout.
var accountPages = map[string]*template.Template{
	"account":         parse("account"),
	"account_sign_in": parse("account_sign_in"),
}

// AccountPath is the account page's path; AccountURL is its address for
// a project's users (the consent page links to it).
const AccountPath = "/account"

// AccountURL is the account page of a project, relative to the issuer.
func AccountURL(projectID string) string {
	return AccountPath + "?" + url.Values{"project_id": {projectID}}.Encode()
}

// AccountPage shows a signed-in person what they granted and where they
// are signed in, and lets them take it back. Dates are already words.
type AccountPage struct {
	Brand       Branding
	ProjectName string // "" for none
	UserEmail   string // "" when the account has no email address
	// Notice is what the last action did ("" for nothing); Error is why
	// the password form was refused ("" for none).
	Notice, Error string
	// CSRF and ProjectID go back with every form.
	CSRF, ProjectID string
	Actions         AccountActions
	Apps            []AccountApp
	Sessions        []AccountSession
	Banks           []AccountBank
	// HasPassword shows the password form; without one the person signs
	// in with their bank.
	HasPassword bool
}

// AccountActions are where the account page's forms post.
type AccountActions struct {
	RevokeApp, SignOut, SignOutOthers, Password string
}

// AccountApp is one application the person allowed.
type AccountApp struct {
	ClientID string
	Client   Client
	Allowed  string   // when, in words
	Scopes   []string // what it may do, in the consent page's words
}

// AccountSession is one place the person is signed in.
type AccountSession struct {
	ID       string
	Current  bool   // the session showing this page
	Device   string // what the browser said it is ("" when unknown)
	Method   string // how they signed in, in words
	Started  string
	LastUsed string
}

// AccountBank is one bank that confirmed who the person is.
type AccountBank struct {
	Name      string
	Verified  string   // the latest verification, in words
	First     string   // the first one ("" when the same)
	Confirmed []string // what the bank confirmed, in words
}

// AccountSignInPage is the account page's sign-in form.
type AccountSignInPage struct {
	Brand       Branding
	ProjectName string
	Action      string
	CSRF        string
	ProjectID   string
	ReturnTo    string // where to go once signed in (a path of this server)
	Email       string
	Error       string
	Notice      string
}

// Account renders the account page.
func Account(w io.Writer, p AccountPage) error { return renderSet(w, accountPages["account"], p) }

// AccountSignIn renders the account page's sign-in form.
func AccountSignIn(w io.Writer, p AccountSignInPage) error {
	return renderSet(w, accountPages["account_sign_in"], p)
}

// renderSet is render for a template set of its own.
func renderSet(w io.Writer, t *template.Template, data any) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
