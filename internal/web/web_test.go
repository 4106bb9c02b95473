package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPagesEscape renders every page with hostile values: html/template
// must escape them for their context, and no page may carry script or
// inline style (the CSP forbids both).
func TestPagesEscape(t *testing.T) {
	evil := `<script>alert(1)</script>"'`
	client := Client{Name: evil, LogoURL: "javascript:alert(1)"}
	form := Form{Action: "/oauth2/authorize/login", CSRF: evil, Request: "a=1&b=" + evil}
	pages := map[string]func(*bytes.Buffer) error{
		"login": func(b *bytes.Buffer) error {
			return Login(b, LoginPage{Client: client, Form: form, Email: evil, Error: evil})
		},
		"consent": func(b *bytes.Buffer) error {
			return Consent(b, ConsentPage{Client: client, Form: form, Session: evil, UserEmail: evil,
				Scopes: []Scope{{Name: "openid", Description: evil}}, SwitchURL: "javascript:alert(1)"})
		},
		"error": func(b *bytes.Buffer) error { return Error(b, ErrorPage{Title: evil, Message: evil}) },
		"logout": func(b *bytes.Buffer) error {
			return Logout(b, LogoutPage{Client: client, Form: form, Session: evil, UserEmail: evil})
		},
		"signed_out": func(b *bytes.Buffer) error {
			return SignedOut(b, SignedOutPage{Title: evil, Message: evil, BackURL: "javascript:alert(1)", BackName: evil})
		},
		"account": func(b *bytes.Buffer) error {
			return Account(b, AccountPage{ProjectName: evil, UserEmail: evil, Notice: evil, Error: evil, CSRF: evil, ProjectID: evil,
				Actions:  AccountActions{RevokeApp: "javascript:alert(1)", SignOut: "/a", SignOutOthers: "/b", Password: "/c"},
				Apps:     []AccountApp{{ClientID: evil, Client: client, Allowed: evil, Scopes: []string{evil}}},
				Sessions: []AccountSession{{ID: evil, Current: true, Device: evil, Method: evil, Started: evil, LastUsed: evil}, {ID: evil}},
				Banks:    []AccountBank{{Name: evil, Verified: evil, First: evil, Confirmed: []string{evil}}}, HasPassword: true})
		},
		"account_sign_in": func(b *bytes.Buffer) error {
			return AccountSignIn(b, AccountSignInPage{ProjectName: evil, Action: "javascript:alert(1)", CSRF: evil, ProjectID: evil,
				ReturnTo: evil, Email: evil, Error: evil, Notice: evil})
		},
	}
	for name, render := range pages {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := b.String()
		for _, bad := range []string{"<script", "javascript:", "style=", `"'`} {
			if strings.Contains(out, bad) {
				t.Errorf("%s page contains %q:\n%s", name, bad, out)
			}
		}
		if !strings.Contains(out, `href="/assets/signet.css"`) || !strings.Contains(out, `<html lang="en">`) {
			t.Errorf("%s page lacks the stylesheet or language", name)
		}
	}
}

func TestAssets(t *testing.T) {
	mux := http.NewServeMux()
	Mount(mux)
	for path, want := range map[string]int{"/assets/signet.css": 200, "/assets/favicon.svg": 200, "/assets/nope": 404} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s = %d, want %d", path, rec.Code, want)
		}
		if want == 200 && rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", path)
		}
	}
}

// TestFormPostPage: the form_post page escapes its values, posts to the
// action, and has no script but the external form_post.js.
func TestFormPostPage(t *testing.T) {
	evil := `"><script>alert(1)</script>`
	tests := []struct {
		name, action, wantAction string
	}{
		{"https", "https://app.example/cb?x=1&y=2", `action="https://app.example/cb?x=1&amp;y=2"`},
		{"javascript", "javascript:alert(1)", `action="#ZgotmplZ"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := FormPost(&b, FormPostPage{Action: tt.action, Fields: []Field{{"response", evil}, {evil, "x"}}}); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if !strings.Contains(out, `<form method="post" `+tt.wantAction) {
				t.Errorf("no form with %s:\n%s", tt.wantAction, out)
			}
			if strings.Count(out, "<script") != 1 || !strings.Contains(out, `<script src="`+FormPostScript+`" defer></script>`) {
				t.Errorf("want only the external script:\n%s", out)
			}
			if strings.Contains(out, "alert(1)</script>") || strings.Contains(out, "style=") || !strings.Contains(out, `<button type="submit"`) {
				t.Errorf("unescaped value, inline style or no button:\n%s", out)
			}
		})
	}
	rec := httptest.NewRecorder()
	mux := http.NewServeMux()
	Mount(mux)
	mux.ServeHTTP(rec, httptest.NewRequest("GET", FormPostScript, nil))
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "javascript") || !strings.Contains(rec.Body.String(), "submit()") {
		t.Errorf("GET %s = %d %q", FormPostScript, rec.Code, rec.Header().Get("Content-Type"))
	}
}
