package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/signet-id/signet/rp"
)

// scopes asked of the bank (rp.Config.Scopes): the identity a user record
// takes.
var scopes = []string{"openid", "profile", "email", "phone"}

// app is the web app: the bank flow with package rp, then the users API.
type app struct {
	bank     *rp.Bank // the bank, through package rp
	bankName string
	recorder *Recorder
	callback string // path of the redirect URL
	secure   bool   // https: Secure cookies
	aead     cipher.AEAD
	log      *slog.Logger
	now      func() time.Time
}

// proofsCookie carries a login's proofs from /start to the callback,
// sealed (AES-256-GCM under a key made at start-up), so the browser can
// neither read the PKCE verifier nor forge a state.
const (
	proofsCookie = "stytchbank_proofs"
	loginTTL     = 10 * time.Minute
)

type pending struct {
	Proofs  rp.Proofs `json:"p"`
	Expires int64     `json:"e"`
}

func newAEAD() (cipher.AEAD, error) {
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (a *app) seal(p pending) string {
	pt, _ := json.Marshal(p)
	nonce := make([]byte, a.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(a.aead.Seal(nonce, nonce, pt, []byte(proofsCookie)))
}

func (a *app) open(s string) (pending, error) {
	var p pending
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < a.aead.NonceSize() {
		return p, errors.New("malformed proofs cookie")
	}
	n := a.aead.NonceSize()
	pt, err := a.aead.Open(nil, b[:n], b[n:], []byte(proofsCookie))
	if err != nil {
		return p, errors.New("proofs cookie does not open")
	}
	if err := json.Unmarshal(pt, &p); err != nil {
		return p, err
	}
	if a.now().Unix() > p.Expires {
		return p, errors.New("proofs cookie expired")
	}
	return p, nil
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { a.render(w, http.StatusOK, view{}) })
	mux.HandleFunc("GET /start", a.start)
	mux.HandleFunc("GET "+a.callback, a.finish)
	return mux
}

// start is GET /start: fresh proofs, the request pushed to the bank (PAR,
// a signed request object with keys), the browser sent there.
func (a *app) start(w http.ResponseWriter, r *http.Request) {
	p := rp.NewProofs()
	to, err := a.bank.PushAuthorization(r.Context(), p)
	if err != nil {
		a.log.WarnContext(r.Context(), "authorization request failed", "err", err)
		a.fail(w, http.StatusBadGateway, "The bank could not be reached. Try again later.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: proofsCookie, Value: a.seal(pending{Proofs: p, Expires: a.now().Add(loginTTL).Unix()}),
		Path: a.callback, MaxAge: int(loginTTL.Seconds()), HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// finish is the redirect URL: the JARM, code, ID token and userinfo
// checked by rp, then the user found or made through the users API.
func (a *app) finish(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	http.SetCookie(w, &http.Cookie{Name: proofsCookie, Path: a.callback, MaxAge: -1, HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode})
	c, err := r.Cookie(proofsCookie)
	var p pending
	if err == nil {
		p, err = a.open(c.Value)
	}
	if err != nil {
		a.fail(w, http.StatusBadRequest, "No verification in progress in this browser. Start again.")
		return
	}
	ts, err := a.bank.Exchange(ctx, r.URL.RequestURI(), p.Proofs)
	var oe *rp.OAuthError
	switch {
	case errors.As(err, &oe) && oe.Code == "access_denied":
		a.fail(w, http.StatusForbidden, "You cancelled at your bank.")
		return
	case err != nil:
		a.log.WarnContext(ctx, "bank answer refused", "err", err)
		a.fail(w, http.StatusBadGateway, "The bank's answer could not be verified, so it was not used.")
		return
	}
	info, err := a.bank.UserInfo(ctx, ts)
	if err != nil {
		a.log.WarnContext(ctx, "userinfo failed", "err", err)
		a.fail(w, http.StatusBadGateway, "The bank's userinfo could not be read.")
		return
	}
	claims := map[string]any{}
	for k, v := range ts.Claims {
		claims[k] = v
	}
	for k, v := range info {
		claims[k] = v
	}
	res, err := a.recorder.Record(ctx, Identity{Issuer: a.bank.Issuer(), BankName: a.bankName, Subject: ts.Subject(),
		Claims: claims, VerifiedAt: a.now()})
	switch {
	case errors.Is(err, ErrEmailConflict):
		a.fail(w, http.StatusConflict, "An account with this email address already exists. Sign in to it first, then verify with your bank.")
		return
	case err != nil:
		a.log.ErrorContext(ctx, "recording the verification failed", "err", err)
		a.fail(w, http.StatusBadGateway, "The verification could not be recorded. Try again later.")
		return
	}
	a.log.InfoContext(ctx, "bank verification recorded", "user_id", res.User.UserID, "created", res.Created, "linked", res.Linked)
	a.render(w, http.StatusOK, view{Result: &res})
}

// view is one page: a result, an error, or the start page.
type view struct {
	Result *Result
	Error  string
}

func (v view) Source() string {
	b, _ := json.MarshalIndent(v.Result.User.TrustedMetadata["external_source"], "", "  ")
	return string(b)
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Stytch + bank</title>
<h1>Verify with your bank</h1>
{{- if .Error}}
<p id="error">{{.Error}}</p><p><a href="/start">Start again</a></p>
{{- else if .Result}}
<p id="outcome">{{if .Result.Created}}New user created{{else if .Result.Linked}}Existing user linked{{else}}Existing user updated{{end}}.</p>
<dl>
<dt>user_id</dt><dd id="user-id">{{.Result.User.UserID}}</dd>
<dt>external_id</dt><dd id="external-id">{{.Result.User.ExternalID}}</dd>
<dt>name</dt><dd id="user-name">{{.Result.User.Name.FirstName}} {{.Result.User.Name.LastName}}</dd>
</dl>
<h2>trusted_metadata.external_source</h2>
<pre id="external-source">{{.Source}}</pre>
<p><a href="/start">Verify again</a></p>
{{- else}}
<p><a href="/start" id="start">Verify with your bank</a></p>
{{- end}}
</html>`))

func (a *app) render(w http.ResponseWriter, status int, v view) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := page.Execute(w, v); err != nil {
		a.log.Error("render", "err", err)
	}
}

func (a *app) fail(w http.ResponseWriter, status int, msg string) {
	a.render(w, status, view{Error: msg})
}
