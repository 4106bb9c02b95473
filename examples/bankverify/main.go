// Command bankverify is a minimal web app that verifies a visitor with their
// bank through package rp, mirroring IDPartner's RP example routes:
//
//	GET /                       a page with a "Verify with your bank" link
//	GET /button/oauth           Origin URL: to the account selector, or to the bank
//	GET /button/oauth/callback  Redirect URL: Exchange, then UserInfo, shown as JSON
//	GET /jwks                   the client's public keys
//
// Usage: bankverify -config sandbox-bank-rp.json -client basic [-addr 127.0.0.1:3001]
// Sessions live in server memory behind a random cookie: enough for an
// example, not for several instances.
package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"html/template"
	"log"
	"net/http"
	"sync"
	"time"

	"github.com/signet-id/signet/rp"
)

// scopes are what the app asks the selector and the bank for.
var scopes = []string{"openid", "email", "profile", "payment_details"}

// session is what the Origin URL leaves for the Redirect URL.
type session struct {
	Proofs  rp.Proofs
	Issuer  string
	Expires time.Time
}

type app struct {
	rp       *rp.Client
	issuer   string // the sandbox bank, used when the selector is not configured
	selector bool

	mu       sync.Mutex
	sessions map[string]session
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<title>Bank verification</title>
{{if .}}<h1>Verified</h1><pre>{{.}}</pre><a href="/">Again</a>
{{else}}<h1>Welcome</h1><a href="/button/oauth">Verify with your bank</a>{{end}}`))

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { render(w, nil) })
	mux.HandleFunc("GET /button/oauth", a.origin)
	mux.HandleFunc("GET /button/oauth/callback", a.callback)
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(a.rp.PublicJWKS())
	})
	return mux
}

// origin is IDPartner's Origin URL: without iss the visitor picks a bank at
// the selector, which sends them back here with iss and idp_id.
func (a *app) origin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	iss := q.Get("iss")
	if iss == "" && a.selector {
		u, err := a.rp.SelectorURL(q.Get("visitor_id"), "email", "payment_details")
		if err != nil {
			http.Error(w, "selector unavailable", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, u, http.StatusFound)
		return
	}
	if iss == "" {
		iss = a.issuer
	}
	proofs := rp.NewProofs()
	u, err := a.rp.Bank(iss).PushAuthorization(r.Context(), proofs, rp.WithIdentityProvider(q.Get("idp_id")))
	if err != nil {
		log.Printf("authorization request: %v", err)
		http.Error(w, "the bank is not reachable", http.StatusBadGateway)
		return
	}
	id := randomID()
	now := time.Now()
	a.mu.Lock()
	for k, s := range a.sessions { // drop abandoned logins
		if now.After(s.Expires) {
			delete(a.sessions, k)
		}
	}
	a.sessions[id] = session{Proofs: proofs, Issuer: iss, Expires: now.Add(10 * time.Minute)}
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "bv_session", Value: id, Path: "/button/oauth", MaxAge: 600,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, u, http.StatusFound)
}

// callback is the Redirect URL. The session is used once.
func (a *app) callback(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie("bv_session")
	var s session
	ok := false
	if err == nil {
		a.mu.Lock()
		s, ok = a.sessions[c.Value]
		delete(a.sessions, c.Value)
		a.mu.Unlock()
	}
	if !ok || time.Now().After(s.Expires) {
		http.Error(w, "no login in progress", http.StatusBadRequest)
		return
	}
	bank := a.rp.Bank(s.Issuer)
	ts, err := bank.Exchange(r.Context(), r.URL.String(), s.Proofs)
	if err != nil {
		log.Printf("exchange: %v", err)
		http.Error(w, "verification failed", http.StatusForbidden)
		return
	}
	info, err := bank.UserInfo(r.Context(), ts)
	if err != nil {
		log.Printf("userinfo: %v", err)
		http.Error(w, "verification failed", http.StatusBadGateway)
		return
	}
	out, _ := json.MarshalIndent(map[string]any{"id_token_claims": ts.Claims, "userinfo": info}, "", "  ")
	render(w, string(out)) // html/template escapes it
}

// render writes the page; a failure is a browser gone mid-answer, logged.
func render(w http.ResponseWriter, data any) {
	if err := page.Execute(w, data); err != nil {
		log.Printf("page: %v", err)
	}
}

func randomID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func main() {
	configPath := flag.String("config", "sandbox-bank-rp.json", "sandbox bank RP file")
	clientName := flag.String("client", "", "client name in the file: basic, mtls, private_key_jwt or plain (default: the only one, or basic)")
	addr := flag.String("addr", "127.0.0.1:3001", "listen address")
	flag.Parse()
	issuer, selector, cfg, err := loadConfig(*configPath, *clientName)
	if err != nil {
		log.Fatal(err)
	}
	cfg.AccountSelectorURL = selector
	client, err := rp.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	a := &app{rp: client, issuer: issuer, selector: selector != "", sessions: map[string]session{}}
	log.Printf("bankverify on %s, client %s, bank %s", *addr, cfg.ClientID, issuer)
	srv := &http.Server{Addr: *addr, Handler: a.routes(), ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
