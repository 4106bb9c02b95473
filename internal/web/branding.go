package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/signet-id/signet/internal/api"
)

// Branding is whose pages these are: a bank running Signet shows its own
// name, logo and colours on the sign-in and consent pages. The zero value
// is Signet's own look (no header, default colours). The footer stays
// "Secured by Signet" whatever the branding.
type Branding struct {
	Name    string // shown in the page header; "" for no header
	Tagline string // a line under the name (optional)
	// PrimaryColor (buttons, links) and BackgroundColor (the page) are CSS
	// hex colours, "#rgb" or "#rrggbb"; "" keeps Signet's.
	PrimaryColor    string
	BackgroundColor string
	// LogoURL is an https URL or a path on this server (the pages' CSP
	// allows images from nowhere else); "" shows the name's initial.
	LogoURL string
}

// BrandStylesheetPath serves the colours of a Branding. The pages'
// Content-Security-Policy forbids inline style (style-src 'self'), so the
// colours come as a stylesheet of their own, generated once.
const BrandStylesheetPath = "/assets/brand.css"

var hexColor = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// IsHexColor reports whether s is a CSS hex colour (#rgb or #rrggbb), the
// only colour syntax a page's brand may use: nothing else can reach a
// stylesheet or an inline style.
func IsHexColor(s string) bool { return hexColor.MatchString(s) }

// Validate reports a colour that is not a CSS hex colour. Only hex is
// accepted so nothing but a colour can ever reach the stylesheet.
func (b Branding) Validate() error {
	for field, c := range map[string]string{"primary colour": b.PrimaryColor, "background colour": b.BackgroundColor} {
		if c != "" && !hexColor.MatchString(c) {
			return fmt.Errorf("branding %s %q: want #rgb or #rrggbb", field, c)
		}
	}
	return nil
}

// Stylesheet is the CSS that overrides signet.css's custom properties, or
// "" when the branding sets no (valid) colour.
func (b Branding) Stylesheet() string {
	var sb strings.Builder
	if hexColor.MatchString(b.PrimaryColor) {
		fmt.Fprintf(&sb, "  --accent: %s;\n  --accent-dark: %s;\n", b.PrimaryColor, darken(b.PrimaryColor))
	}
	if hexColor.MatchString(b.BackgroundColor) {
		fmt.Fprintf(&sb, "  --bg: %s;\n", b.BackgroundColor)
	}
	if sb.Len() == 0 {
		return ""
	}
	return "/* Generated from the server's branding. */\n:root {\n" + sb.String() + "}\n"
}

// StylesheetURL is the link to the brand stylesheet, versioned by its
// content so a restart with new colours is not hidden by caches, or ""
// when there is none.
func (b Branding) StylesheetURL() string {
	css := b.Stylesheet()
	if css == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(css))
	return BrandStylesheetPath + "?v=" + hex.EncodeToString(sum[:6])
}

// MountBranding serves the brand stylesheet at BrandStylesheetPath (a
// more specific pattern than Mount's /assets/{file}), if b has colours.
func MountBranding(mux api.Router, b Branding) {
	css := b.Stylesheet()
	if css == "" {
		return
	}
	mux.HandleFunc("GET "+BrandStylesheetPath, func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/css; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write([]byte(css))
	})
}

// darken is a hex colour at 80% brightness: the hover shade of buttons.
func darken(c string) string {
	c = strings.TrimPrefix(c, "#")
	if len(c) == 3 {
		c = string([]byte{c[0], c[0], c[1], c[1], c[2], c[2]})
	}
	v, err := strconv.ParseUint(c, 16, 32)
	if err != nil {
		return "#" + c
	}
	scale := func(shift uint) uint64 { return (v >> shift & 0xff) * 4 / 5 }
	return fmt.Sprintf("#%02x%02x%02x", scale(16), scale(8), scale(0))
}
