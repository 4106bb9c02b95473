package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/server/servertest"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/rp"
	"github.com/signet-id/signet/rp/rptest"
)

// newUsers is a real Signet (in-process server, SQLite or Postgres) with one project,
// and a users API client for it. (examples/ is inside the module, so its
// tests may build Signet from internal packages; the program itself uses
// only rp and HTTP.)
func newUsers(t *testing.T) *Users {
	u, _ := newUsersStore(t)
	return u
}

// newUsersStore is newUsers and Signet's store, for a test to put a
// user there that the API cannot make (one with a verified email).
func newUsersStore(t *testing.T) (*Users, store.Store) {
	t.Helper()
	s := servertest.New(t)
	return &Users{BaseURL: s.URL, ProjectID: s.ProjectID, Secret: Secret(s.Secret)}, s.Store
}

const redirect = "http://127.0.0.1:3002/callback"

// bankClaims are what the fake bank releases about customer-42.
var bankClaims = map[string]any{
	"email": "mikomo@bank.example", "email_verified": true,
	"given_name": "Mikomo", "family_name": "Tanaka", "phone_number": "+1 (202) 555-0142",
}

// newBankApp is the app against an rptest bank (client_secret_basic, with
// keys: signed request objects, encrypted JARM and ID token).
func newBankApp(t *testing.T, users *Users) (*app, *rptest.Server) {
	t.Helper()
	bank := rptest.NewServer(t, rptest.Options{Subject: "customer-42", Claims: bankClaims})
	priv, pub := rptest.GenerateJWKS(t)
	bank.RegisterClient(rptest.Client{ID: "stytchbank", Secret: "s3cret", AuthMethod: "client_secret_basic",
		RedirectURIs: []string{redirect}, JWKS: pub})
	k, err := rp.ParsePrivateJWKS(priv)
	if err != nil {
		t.Fatal(err)
	}
	client, err := rp.New(rp.Config{ClientID: "stytchbank", ClientSecret: "s3cret", RedirectURL: redirect, Keys: k,
		AllowedIssuers: []string{bank.Issuer()}, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	ru, _ := url.Parse(redirect)
	a, err := newApp(client, bank.Issuer(), "Test Bank", ru, users)
	if err != nil {
		t.Fatal(err)
	}
	return a, bank
}

var userIDRE = regexp.MustCompile(`<dd id="user-id">([^<]+)</dd>`)

// verify plays one visit: /start, the bank (approving at once), the
// callback. It returns the callback's status and page.
func verify(t *testing.T, h http.Handler, bank *rptest.Server) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/start", nil))
	if rec.Code != http.StatusSeeOther || len(rec.Result().Cookies()) != 1 {
		t.Fatalf("/start = %d %s", rec.Code, rec.Body)
	}
	cookie := rec.Result().Cookies()[0]
	cb, err := bank.Authorize(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cb)
	req := httptest.NewRequest(http.MethodGet, u.RequestURI(), nil)
	req.AddCookie(cookie)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// The first verification creates the user with the bank's claims and
// provenance; the second finds the same user by external_id and updates
// it, creating no duplicate.
func TestVerifyCreatesThenUpdates(t *testing.T) {
	ctx := context.Background()
	users := newUsers(t)
	a, bank := newBankApp(t, users)
	h := a.routes()

	status, body := verify(t, h, bank)
	if status != http.StatusOK || !strings.Contains(body, "New user created") {
		t.Fatalf("first verification = %d:\n%s", status, body)
	}
	first := userIDRE.FindStringSubmatch(body)[1]
	ext := ExternalID(bank.Issuer(), "customer-42")
	u, err := users.Get(ctx, ext) // users.get by external ID
	if err != nil {
		t.Fatal(err)
	}
	src, _ := u.TrustedMetadata["external_source"].(map[string]any)
	if u.UserID != first || u.ExternalID != ext || u.Name.FirstName != "Mikomo" || u.Name.LastName != "Tanaka" ||
		len(u.Emails) != 1 || u.Emails[0].Email != "mikomo@bank.example" ||
		len(u.PhoneNumbers) != 1 || u.PhoneNumbers[0].PhoneNumber != "+12025550142" {
		t.Errorf("created user %+v", u)
	}
	if src["type"] != "bank" || src["issuer"] != bank.Issuer() || src["name"] != "Test Bank" || src["subject"] != "customer-42" || src["verified_at"] == "" {
		t.Errorf("external_source = %v", src)
	}

	status, body = verify(t, h, bank)
	if status != http.StatusOK || !strings.Contains(body, "Existing user updated") {
		t.Fatalf("second verification = %d:\n%s", status, body)
	}
	if again := userIDRE.FindStringSubmatch(body)[1]; again != first {
		t.Errorf("second verification landed on %s, want %s", again, first)
	}
	found, err := users.SearchEmail(ctx, "mikomo@bank.example")
	if err != nil || len(found) != 1 {
		t.Errorf("users with the bank's email: %d, %v", len(found), err)
	}
}

// A user who already has the bank's email, unverified, is not merged into.
func TestVerifyEmailConflict(t *testing.T) {
	ctx := context.Background()
	users := newUsers(t)
	if _, err := users.Create(ctx, CreateUser{Email: "mikomo@bank.example"}); err != nil {
		t.Fatal(err)
	}
	a, bank := newBankApp(t, users)
	status, body := verify(t, a.routes(), bank)
	if status != http.StatusConflict || !strings.Contains(body, "already exists") {
		t.Fatalf("verification = %d:\n%s", status, body)
	}
	if _, err := users.Get(ctx, ExternalID(bank.Issuer(), "customer-42")); !isAPIError(err, "user_not_found") {
		t.Errorf("a user was made: %v", err)
	}
}

// A user whose email both their record and the bank say is verified gets
// the bank customer linked, rather than a second account.
func TestVerifyLinksVerifiedEmail(t *testing.T) {
	ctx := context.Background()
	users, st := newUsersStore(t)
	now := time.Now().UTC().Truncate(time.Second)
	existing := store.User{ID: "user-test-" + uuid.NewString(), ProjectID: users.ProjectID, Status: "active",
		Email:     &store.Email{ID: "email-test-" + uuid.NewString(), Address: "mikomo@bank.example", Verified: true},
		CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(ctx, existing); err != nil {
		t.Fatal(err)
	}
	a, bank := newBankApp(t, users)
	h := a.routes()
	for _, want := range []string{"Existing user linked", "Existing user updated"} {
		status, body := verify(t, h, bank)
		if status != http.StatusOK || !strings.Contains(body, want) || userIDRE.FindStringSubmatch(body)[1] != existing.ID {
			t.Fatalf("verification = %d, want %q on %s:\n%s", status, want, existing.ID, body)
		}
	}
	u, err := users.Get(ctx, ExternalID(bank.Issuer(), "customer-42"))
	if err != nil || u.UserID != existing.ID || u.Name.FirstName != "Mikomo" || u.TrustedMetadata["external_source"] == nil {
		t.Errorf("linked user %+v, %v", u, err)
	}
}

// The callback needs this browser's sealed proofs.
func TestCallbackNeedsProofs(t *testing.T) {
	a, _ := newBankApp(t, &Users{BaseURL: "http://127.0.0.1:1"})
	h := a.routes()
	for name, cookie := range map[string]*http.Cookie{
		"none":     nil,
		"tampered": {Name: proofsCookie, Value: a.seal(pending{Proofs: rp.NewProofs(), Expires: time.Now().Add(time.Minute).Unix()}) + "A"},
		"expired":  {Name: proofsCookie, Value: a.seal(pending{Proofs: rp.NewProofs(), Expires: time.Now().Add(-time.Minute).Unix()})},
	} {
		req := httptest.NewRequest(http.MethodGet, "/callback?response=x", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" {
			t.Errorf("%s: %d %q", name, rec.Code, rec.Header().Get("Location"))
		}
	}
}

func TestExternalID(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9._|-]{1,128}$`)
	tests := []struct{ issuer, sub string }{
		{"https://bank.example", "customer-42"},
		{"https://bank.example", "a sub with spaces/and ünïcode and " + strings.Repeat("x", 500)},
		{"https://other.example", "customer-42"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		id := ExternalID(tt.issuer, tt.sub)
		if !valid.MatchString(id) || !strings.HasPrefix(id, "bank|") || id != ExternalID(tt.issuer, tt.sub) {
			t.Errorf("ExternalID(%q, %.20q) = %q", tt.issuer, tt.sub, id)
		}
		if seen[id] {
			t.Errorf("ExternalID(%q, %.20q) collides", tt.issuer, tt.sub)
		}
		seen[id] = true
	}
}

func TestFieldsFrom(t *testing.T) {
	tests := []struct {
		claims        map[string]any
		first, last   string
		email, phone  string
		emailVerified bool
	}{
		{bankClaims, "Mikomo", "Tanaka", "mikomo@bank.example", "+12025550142", true},
		{map[string]any{"name": "Ada Lovelace", "email": "not-an-email", "phone_number": "0207 183 8750"}, "Ada Lovelace", "", "", "", false},
		{map[string]any{"email": "a@b.example", "email_verified": "true", "phone_number": "+44.20.7183.8750"}, "", "", "a@b.example", "+442071838750", false},
	}
	for i, tt := range tests {
		f := fieldsFrom(tt.claims)
		var n Name
		if f.name != nil {
			n = *f.name
		}
		if n.FirstName != tt.first || n.LastName != tt.last || f.email != tt.email || f.phone != tt.phone || f.emailVerified != tt.emailVerified {
			t.Errorf("%d: fieldsFrom = %+v %+v", i, n, f)
		}
	}
}
