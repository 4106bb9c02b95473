package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBrandingRendering: a branding puts the bank's header and stylesheet
// on every page, escaped; the zero value leaves Signet's look unchanged.
func TestBrandingRendering(t *testing.T) {
	evil := `<script>alert(1)</script>"'`
	brand := Branding{Name: "Acme & Sons " + evil, Tagline: evil, PrimaryColor: "#0b6e4f", BackgroundColor: "#eef"}
	render := map[string]func(*bytes.Buffer, Branding) error{
		"login": func(b *bytes.Buffer, br Branding) error {
			return Login(b, LoginPage{Brand: br, Client: Client{Name: "RP"}})
		},
		"consent": func(b *bytes.Buffer, br Branding) error {
			return Consent(b, ConsentPage{Brand: br, Client: Client{Name: "RP"}})
		},
		"error": func(b *bytes.Buffer, br Branding) error { return Error(b, ErrorPage{Brand: br, Title: "t"}) },
		"form_post": func(b *bytes.Buffer, br Branding) error {
			return FormPost(b, FormPostPage{Brand: br, Action: "https://rp.example/cb"})
		},
	}
	for name, fn := range render {
		var branded, plain bytes.Buffer
		if err := fn(&branded, brand); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := fn(&plain, Branding{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := branded.String()
		for _, want := range []string{
			`<header class="brand">`,
			`<span class="brand-name">Acme &amp; Sons &lt;script&gt;`,
			`<link rel="stylesheet" href="` + brand.StylesheetURL() + `">`,
			`Secured by Signet`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: branded page lacks %q:\n%s", name, want, out)
			}
		}
		if strings.Contains(out, "<script>alert") || strings.Contains(out, "style=") {
			t.Errorf("%s: unescaped value or inline style:\n%s", name, out)
		}
		if p := plain.String(); strings.Contains(p, `class="brand"`) || strings.Contains(p, BrandStylesheetPath) || !strings.Contains(p, "Secured by Signet") {
			t.Errorf("%s: zero branding changed the page:\n%s", name, p)
		}
	}
}

func TestBrandingLogo(t *testing.T) {
	for logo, want := range map[string]string{
		"https://bank.example/logo.svg": `src="https://bank.example/logo.svg"`,
		"javascript:alert(1)":           `src="#ZgotmplZ"`,
	} {
		var b bytes.Buffer
		if err := Login(&b, LoginPage{Brand: Branding{Name: "Bank", LogoURL: logo}}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), `<img class="brand-logo" `+want) {
			t.Errorf("logo %q: want %s in\n%s", logo, want, b.String())
		}
	}
}

func TestBrandingStylesheet(t *testing.T) {
	tests := []struct {
		name    string
		b       Branding
		wantErr bool
		want    []string // in the CSS; nil: no stylesheet at all
	}{
		{"zero", Branding{}, false, nil},
		{"name only", Branding{Name: "Bank"}, false, nil},
		{"both", Branding{PrimaryColor: "#0B6E4F", BackgroundColor: "#abc"}, false,
			[]string{"--accent: #0B6E4F;", "--accent-dark: #08583f;", "--bg: #abc;"}},
		{"injection", Branding{PrimaryColor: "red;}body{display:none"}, true, nil},
		{"named colour", Branding{BackgroundColor: "red"}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.b.Validate(); (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v, want error %v", err, tt.wantErr)
			}
			css := tt.b.Stylesheet()
			if tt.want == nil {
				if css != "" || tt.b.StylesheetURL() != "" {
					t.Errorf("want no stylesheet, got %q", css)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(css, w) {
					t.Errorf("stylesheet lacks %q:\n%s", w, css)
				}
			}
			mux := http.NewServeMux()
			Mount(mux)
			MountBranding(mux, tt.b)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest("GET", tt.b.StylesheetURL(), nil))
			if rec.Code != 200 || rec.Body.String() != css || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
				t.Errorf("GET %s = %d %q %q", tt.b.StylesheetURL(), rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		})
	}
}
