package home

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/signet-id/signet/docs"
	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/web"
)

// Paths of the documents.
const (
	ErrorsPath  = api.ErrorDocsPath
	OpenAPIPath = "/docs/openapi.json"
)

// Handler serves the home page and the documents.
type Handler struct {
	// Issuer is the server's public base URL, without a trailing slash.
	Issuer string
	// Branding is the look of the pages (optional; zero is Signet's own).
	Branding web.Branding
}

// Mount registers the routes on mux.
func (h *Handler) Mount(mux api.Router) {
	errorsPage := h.document("Signet error reference", docs.Errors)
	openapi := h.openAPI()
	// Every method: / answers what an unknown route answers unless a
	// browser asks for the page.
	mux.HandleFunc("/{$}", h.home)
	mux.HandleFunc("GET "+ErrorsPath, func(w http.ResponseWriter, r *http.Request) {
		docHeaders(w, "text/html; charset=utf-8")
		w.Write(errorsPage)
	})
	mux.HandleFunc("GET "+OpenAPIPath, func(w http.ResponseWriter, r *http.Request) {
		docHeaders(w, "application/json")
		w.Write(openapi)
	})
}

// csp is the pages' Content-Security-Policy, the hosted pages' without
// forms: no script, styles from here, images from here or https (a
// brand's logo).
var csp = web.CSP{HTTPSImages: true}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	// The answer depends on Accept: caches must keep the page and the
	// envelope apart (RFC 9110 §12.5.5).
	w.Header().Add("Vary", "Accept")
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !prefersHTML(r.Header.Values("Accept")) {
		api.WriteError(w, r, api.ErrNotFound)
		return
	}
	var b bytes.Buffer
	err := web.Home(&b, web.HomePage{Brand: h.Branding, Issuer: h.Issuer, Links: []web.Link{
		{Label: "OpenID Provider configuration", URL: "/.well-known/openid-configuration", Note: "Discovery (OpenID Connect Discovery 1.0, RFC 8414)"},
		{Label: "JSON Web Key Set", URL: "/.well-known/jwks.json", Note: "The keys that verify the tokens this server signs"},
		{Label: "Management API", URL: OpenAPIPath, Note: "OpenAPI 3.1 description of the Stytch-compatible API"},
		{Label: "Error reference", URL: ErrorsPath, Note: "Every error code, with its HTTP status and meaning"},
	}})
	if err != nil {
		api.WriteError(w, r, api.Internal(err))
		return
	}
	web.SetPageHeaders(w, csp)
	w.Write(b.Bytes())
}

// document renders a Markdown document once, at start-up: the text is
// embedded, so a failure is a build defect.
func (h *Handler) document(title, src string) []byte {
	var b bytes.Buffer
	if err := web.Document(&b, web.DocumentPage{Brand: h.Branding, Title: title, Body: markdown(src)}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// placeholderServer is the server URL docs/openapi.json names (serve's
// default address); the served copy names the issuer instead.
const placeholderServer = "http://127.0.0.1:8080"

// openAPI is the OpenAPI document with this server as its server: the
// placeholder's one substitution, so the document keeps its own layout.
func (h *Handler) openAPI() []byte {
	from := []byte(`"url": "` + placeholderServer + `"`)
	if !bytes.Contains(docs.OpenAPI, from) {
		panic("docs/openapi.json names no server " + placeholderServer) // TestOpenAPIServer
	}
	to, _ := json.Marshal(h.Issuer)
	return bytes.Replace(docs.OpenAPI, from, append([]byte(`"url": `), to...), 1)
}

// docHeaders are the documents' headers: the pages' CSP, and cacheable
// for a few minutes (they change only with the binary).
func docHeaders(w http.ResponseWriter, contentType string) {
	web.SetPageHeaders(w, csp)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "public, max-age=300")
	h.Del("Pragma")
}

// prefersHTML reports whether an Accept header (RFC 9110 §12.5.1) ranks
// text/html above application/json: a browser's does, curl's (*/*) and
// an API client's do not. Each type takes the quality of the most
// specific range that matches it; a tie goes to JSON, the API's answer.
func prefersHTML(accept []string) bool {
	html, json := -1.0, -1.0
	htmlSpec, jsonSpec := -1, -1
	for _, field := range accept {
		for _, part := range strings.Split(field, ",") {
			mt, q := mediaRange(part)
			if s := specificity(mt, "text", "html"); s > htmlSpec {
				html, htmlSpec = q, s
			}
			if s := specificity(mt, "application", "json"); s > jsonSpec {
				json, jsonSpec = q, s
			}
		}
	}
	return html > 0 && html > json
}

// mediaRange reads "type/subtype;q=0.8" as the range and its quality.
func mediaRange(s string) (string, float64) {
	params := strings.Split(s, ";")
	q := 1.0
	for _, p := range params[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			} else {
				q = 0
			}
		}
	}
	return strings.ToLower(strings.TrimSpace(params[0])), q
}

// specificity is how closely a media range matches type/subtype: 2 exact,
// 1 type/*, 0 */*, -1 not at all.
func specificity(mediaRange, typ, subtype string) int {
	switch mediaRange {
	case typ + "/" + subtype:
		return 2
	case typ + "/*":
		return 1
	case "*/*":
		return 0
	}
	return -1
}
