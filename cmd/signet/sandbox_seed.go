package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/password"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// bankState is sandbox-bank.json: what seeding made, so a restart reuses
// it (same project, same client IDs and secrets). Saved after each step,
// so a crash half-way resumes where it stopped.
type bankState struct {
	ProjectID     string              `json:"project_id"`
	ProjectSecret string              `json:"project_secret"`
	Clients       map[string]rpClient `json:"clients,omitempty"`
}

// seeder makes the sandbox bank's project, customers and RP clients.
type seeder struct {
	st        store.Store
	keys      *keys.Manager
	pepper    secrets.Pepper
	api       http.Handler // the bank's own server, for the management API
	redirects []string
	now       func() time.Time
}

// seed brings the bank to its seeded state and returns it. Every step is
// idempotent: what the state file (or the store) already has is kept.
func (s *seeder) seed(ctx context.Context, statePath string) (bankState, error) {
	if s.now == nil {
		s.now = time.Now
	}
	state, err := s.loadState(ctx, statePath)
	if err != nil {
		return state, err
	}
	save := func() error { return writeJSON0600(statePath, state) }
	if state.ProjectID == "" {
		p, secret, err := projects.Create(ctx, s.st, s.keys, s.pepper, bankBranding.Name, s.now())
		if err != nil {
			return state, err
		}
		state = bankState{ProjectID: p.ID, ProjectSecret: secret}
		if err := save(); err != nil {
			return state, err
		}
	}
	if err := s.bankGradeKeys(ctx, state.ProjectID); err != nil {
		return state, err
	}
	if err := s.seedCustomers(ctx, state.ProjectID); err != nil {
		return state, err
	}
	if len(state.Clients) == 0 {
		if state.Clients, err = s.registerClients(ctx, state); err != nil {
			return state, err
		}
		return state, save()
	}
	if changed, err := s.syncRedirects(ctx, state); err != nil || !changed {
		return state, err
	}
	return state, save()
}

// loadState reads the state file. One naming a project the store lacks
// (the database was deleted) is discarded, and the bank seeded afresh.
func (s *seeder) loadState(ctx context.Context, path string) (bankState, error) {
	var state bankState
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return state, nil
	} else if err != nil {
		return state, err
	}
	if err := json.Unmarshal(b, &state); err != nil {
		return state, fmt.Errorf("%s: %w (delete it to seed afresh)", path, err)
	}
	switch _, err := s.st.Project(ctx, state.ProjectID); {
	case errors.Is(err, store.ErrNotFound):
		slog.Warn("sandbox bank state names a project the database lacks; seeding afresh", "file", path, "project_id", state.ProjectID)
		return bankState{}, nil
	case err != nil:
		return state, fmt.Errorf("sandbox bank project: %w", err)
	}
	return state, nil
}

// bankGradeKeys gives the project a PS256 key (FAPI; the node client
// expects PS256 ID tokens and JARM) and signs its access tokens with it.
func (s *seeder) bankGradeKeys(ctx context.Context, projectID string) error {
	if err := s.keys.EnsureKey(ctx, projectID, keys.PS256); err != nil {
		return fmt.Errorf("PS256 key: %w", err)
	}
	if err := s.st.SetProjectTokenAlg(ctx, projectID, keys.PS256); err != nil {
		return fmt.Errorf("access-token algorithm: %w", err)
	}
	return nil
}

// seedCustomers creates the test customers the project lacks (by email).
// They are written to the store directly: their passwords are
// deliberately weak (the login), which the users API's strength policy
// refuses, and the API has no payment details.
func (s *seeder) seedCustomers(ctx context.Context, projectID string) error {
	var hasher *password.Hasher
	for _, c := range testCustomers {
		switch _, err := s.st.UserByEmail(ctx, projectID, c.email()); {
		case err == nil:
			continue
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("customer %s: %w", c.login, err)
		}
		if hasher == nil {
			hasher = password.NewHasher(password.DefaultParams, 0)
		}
		hash, err := hasher.Hash(ctx, c.login)
		if err != nil {
			return fmt.Errorf("customer %s: password: %w", c.login, err)
		}
		u, err := c.user(projectID, hash, s.now())
		if err != nil {
			return err
		}
		if err := s.st.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("customer %s: %w", c.login, err)
		}
	}
	return nil
}

// clientNames are the seeded RP clients, one per way the IDPartner node
// client can be configured (reference/idpartner-protocol.md §3.1).
// The _plain ones have no keys: plain signed responses, no request
// objects.
var clientNames = []string{"basic", "mtls", "private_key_jwt", "plain", "mtls_plain"}

// registerClients makes one RP key set and client certificate and
// registers the clients through the management API, so they get the
// same validation and secret hashing as any client.
func (s *seeder) registerClients(ctx context.Context, state bankState) (map[string]rpClient, error) {
	rpk, err := newRPKeys()
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := newClientCert()
	if err != nil {
		return nil, err
	}
	clients := make(map[string]rpClient, len(clientNames))
	for _, name := range clientNames {
		spec := clientSpec(name, s.redirects, rpk, certPEM)
		var resp struct {
			ConnectedApp struct {
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
			} `json:"connected_app"`
		}
		if err := s.call(ctx, state, http.MethodPost, "/v1/connected_apps/clients", spec, &resp); err != nil {
			return nil, fmt.Errorf("register client %s: %w", name, err)
		}
		c := rpClient{
			ClientID:                resp.ConnectedApp.ClientID,
			TokenEndpointAuthMethod: spec["token_endpoint_auth_method"].(string),
			RedirectURIs:            s.redirects,
		}
		if c.TokenEndpointAuthMethod == "client_secret_basic" {
			c.ClientSecret = resp.ConnectedApp.ClientSecret
		}
		if _, ok := spec["jwks"]; ok {
			c.JWKS = rpk.Private
		}
		if c.TokenEndpointAuthMethod == "tls_client_auth" {
			c.TLSClientCert, c.TLSClientKey = certPEM, keyPEM
		}
		clients[name] = c
	}
	return clients, nil
}

// clientSpec is the registration of one seeded client: a third-party
// confidential client configured as the node client derives its metadata
// (§3.1), under the bank network's profile (PAR and PKCE required): PS256
// JARM and ID tokens, and with a JWKS also signed request objects and
// encrypted JARM and ID tokens. The mTLS clients' certificate is
// self-signed, so it is its own trust anchor (RFC 8705 §2.1: the chain is
// checked before the subject).
func clientSpec(name string, redirects []string, rpk rpKeys, certPEM string) map[string]any {
	spec := map[string]any{
		"client_type":                           "third_party",
		"client_name":                           "Sandbox RP (" + name + ")",
		"client_description":                    "Seeded by signet sandbox-bank",
		"redirect_urls":                         redirects,
		"full_access_allowed":                   false,
		"require_pushed_authorization_requests": true,
		"authorization_signed_response_alg":     "PS256",
		"id_token_signed_response_alg":          "PS256",
		"token_endpoint_auth_method":            "client_secret_basic",
		"security_profile":                      "bank_network",
	}
	if strings.HasPrefix(name, "mtls") {
		spec["token_endpoint_auth_method"] = "tls_client_auth"
		spec["tls_client_auth_subject_dn"] = rpCertSubject.String()
		spec["tls_client_certificate_bound_access_tokens"] = true
		spec["tls_client_auth_trust_anchors"] = certPEM
	}
	switch name {
	case "private_key_jwt":
		spec["token_endpoint_auth_method"] = "private_key_jwt"
	case "plain", "mtls_plain":
		return spec
	}
	spec["jwks"] = rpk.Public
	spec["request_object_signing_alg"] = "PS256"
	for _, p := range []string{"authorization_encrypted_response", "id_token_encrypted_response"} {
		spec[p+"_alg"] = "RSA-OAEP"
		spec[p+"_enc"] = "A256CBC-HS512"
	}
	return spec
}

// syncRedirects re-registers the clients' redirect URIs when --rp-redirect
// changed since they were made, and reports whether it did.
func (s *seeder) syncRedirects(ctx context.Context, state bankState) (bool, error) {
	changed := false
	for name, c := range state.Clients {
		if slices.Equal(c.RedirectURIs, s.redirects) {
			continue
		}
		body := map[string]any{"redirect_urls": s.redirects}
		if err := s.call(ctx, state, http.MethodPut, "/v1/connected_apps/clients/"+c.ClientID, body, nil); err != nil {
			return false, fmt.Errorf("update client %s: %w", name, err)
		}
		c.RedirectURIs = s.redirects
		state.Clients[name] = c
		changed = true
	}
	return changed, nil
}

// call sends one management API request to the bank's own handler, in
// process, authenticated as the project.
func (s *seeder) call(ctx context.Context, state bankState, method, path string, body, out any) error {
	return callAPI(ctx, s.api, state.ProjectID, state.ProjectSecret, method, path, body, out)
}

// testCustomer is one seeded bank customer. Its email is login@sandbox.bank
// and its password is login.
type testCustomer struct {
	login, given, family, phone string
	// birthdate is fixed, or ageYears (and then the birthdate is computed
	// at seeding, a month past the birthday) keeps an age band true.
	birthdate string
	ageYears  int
	address   store.Address
	accounts  []paymentAccount
}

// paymentAccount is one element of the bank network's payment details
// (reference/idpartner-protocol.md §4.3).
type paymentAccount struct {
	BankID         string `json:"bankId"`
	Identifier     string `json:"identifier"`
	IdentifierType string `json:"identifierType"`
	Type           string `json:"type"`
	TransferIn     bool   `json:"transferIn"`
	TransferOut    bool   `json:"transferOut"`
	AccountID      string `json:"accountId"`
}

// sandboxRouting is a test ACH routing number (no real bank's).
const sandboxRouting = "110000000"

func ach(identifier, accountID string) paymentAccount {
	return paymentAccount{BankID: sandboxRouting, Identifier: identifier, IdentifierType: "ACCOUNT_NUMBER",
		Type: "US_ACH", TransferIn: true, TransferOut: true, AccountID: accountID}
}

// testCustomers: one adult of long standing, one aged 21–25, one minor, so
// age-dependent RPs can be tried. 555-01xx numbers are fictional.
var testCustomers = []testCustomer{
	{
		login: "mikomo_10", given: "Mikomo", family: "Tanaka", phone: "+12025550110", birthdate: "1979-03-14",
		address:  store.Address{StreetAddress: "123 Main Street", Locality: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"},
		accounts: []paymentAccount{ach("000123456789", "sbx-mikomo-checking"), ach("000987654321", "sbx-mikomo-savings")},
	},
	{
		login: "jordan_23", given: "Jordan", family: "Rivera", phone: "+12025550123", ageYears: 23,
		address:  store.Address{StreetAddress: "45 Harbor Lane, Apt 3", Locality: "Portland", Region: "OR", PostalCode: "97205", Country: "US"},
		accounts: []paymentAccount{ach("000222333444", "sbx-jordan-checking")},
	},
	{
		login: "casey_16", given: "Casey", family: "Morgan", phone: "+12025550116", ageYears: 16,
		address:  store.Address{StreetAddress: "9 Elm Court", Locality: "Austin", Region: "TX", PostalCode: "78701", Country: "US"},
		accounts: []paymentAccount{ach("000555666777", "sbx-casey-student")},
	},
}

func (c testCustomer) email() string { return c.login + "@sandbox.bank" }

// user is the store record of c: verified email and phone, address,
// birthdate, payment details and the password hash.
func (c testCustomer) user(projectID, passwordHash string, now time.Time) (store.User, error) {
	payments, err := json.Marshal(c.accounts)
	if err != nil {
		return store.User{}, err
	}
	birthdate := c.birthdate
	if c.ageYears > 0 {
		birthdate = now.AddDate(-c.ageYears, -1, 0).Format(time.DateOnly)
	}
	now = store.Time(now)
	addr := c.address
	return store.User{
		ID:             "user-test-" + uuid.NewString(),
		ProjectID:      projectID,
		Status:         "active",
		Name:           store.Name{First: c.given, Last: c.family},
		Email:          &store.Email{ID: "email-test-" + uuid.NewString(), Address: c.email(), Verified: true},
		Phone:          &store.Phone{ID: "phone-number-test-" + uuid.NewString(), Number: c.phone, Verified: true},
		Address:        &addr,
		Birthdate:      birthdate,
		PaymentDetails: payments,
		Password:       &store.Password{ID: "password-test-" + uuid.NewString(), Hash: passwordHash, CreatedAt: now},
		CreatedAt:      now,
		UpdatedAt:      now,
	}, nil
}

// testUserLogins are the customers' sign-in credentials, for the RP file
// and the banner.
func testUserLogins() []rpTestUser {
	out := make([]rpTestUser, len(testCustomers))
	for i, c := range testCustomers {
		out[i] = rpTestUser{Email: c.email(), Password: c.login, Name: c.given + " " + c.family}
	}
	return out
}
