package token_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/server/servertest"
	"github.com/signet-id/signet/internal/store"
)

// BenchmarkConnectedAppsFlow is one sign-in of a third-party Connected
// App through the consent API, over loopback: POST /v1/idp/oauth/authorize
// (consent granted, a code issued), the code exchanged at the token
// endpoint (access and ID token), and one userinfo call. The project signs
// access tokens with ES256; the sub-benchmarks differ in the client's
// registered ID token algorithm (RS256, the default, or ES256). It is the
// in-process twin of signet-bench's connected_apps scenario
// (docs/benchmarks.md), for profiles (-cpuprofile) and A/B runs.
func BenchmarkConnectedAppsFlow(b *testing.B) {
	s := servertest.Start(b, servertest.Options{})
	ctx := b.Context()
	if err := s.Store.SetProjectTokenAlg(ctx, s.ProjectID, keys.ES256); err != nil {
		b.Fatal(err)
	}
	n := uuid.NewString()
	now := time.Now()
	u := store.User{
		ID: "user-test-" + n, ProjectID: s.ProjectID, Status: "active",
		Name:      store.Name{First: "Ada", Last: "Lovelace"},
		Email:     &store.Email{ID: "email-test-" + n, Address: "ada@example.com", Verified: true},
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	for _, alg := range []string{keys.RS256, keys.ES256} {
		b.Run("id_token="+alg, func(b *testing.B) {
			f := newFlow(b, s, u.ID, alg)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					f.run(b)
				}
			})
		})
	}
}

// flow is one client's sign-in, its requests prepared once.
type flow struct {
	s                     *servertest.Signet
	authorize             []byte
	clientID, secret, uri string
}

func newFlow(b *testing.B, s *servertest.Signet, userID, idTokenAlg string) *flow {
	const redirect = "https://app.example/cb"
	var created struct {
		ConnectedApp struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"connected_app"`
	}
	app := map[string]any{"client_type": "third_party", "client_name": "Bench", "redirect_urls": []string{redirect}}
	if idTokenAlg != keys.RS256 { // RS256 is what registering none means
		app["id_token_signed_response_alg"] = idTokenAlg
	}
	call(b, s, "POST", "/v1/connected_apps/clients", app, &created)
	body, _ := json.Marshal(map[string]any{
		"client_id": created.ConnectedApp.ClientID, "redirect_uri": redirect, "response_type": "code",
		"scopes": []string{"openid", "email"}, "user_id": userID, "consent_granted": true,
		"state": "st-0123456789", "nonce": "n-0123456789",
	})
	return &flow{s: s, authorize: body, clientID: created.ConnectedApp.ClientID,
		secret: created.ConnectedApp.ClientSecret, uri: redirect}
}

// run is one flow; failures end the benchmark.
func (f *flow) run(b *testing.B) {
	var authz struct {
		Code string `json:"authorization_code"`
	}
	req, _ := http.NewRequest("POST", f.s.URL+"/v1/idp/oauth/authorize", bytes.NewReader(f.authorize))
	req.SetBasicAuth(f.s.ProjectID, f.s.Secret)
	req.Header.Set("Content-Type", "application/json")
	if !do(b, req, &authz) {
		return
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {authz.Code}, "redirect_uri": {f.uri}}
	req, _ = http.NewRequest("POST", f.s.URL+"/v1/oauth2/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth(url.QueryEscape(f.clientID), url.QueryEscape(f.secret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	if !do(b, req, &tok) {
		return
	}
	if tok.IDToken == "" {
		b.Error("no ID token")
		return
	}
	req, _ = http.NewRequest("GET", f.s.URL+"/v1/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	var info struct {
		Sub string `json:"sub"`
	}
	if do(b, req, &info) && info.Sub == "" {
		b.Error("userinfo without sub")
	}
}

// do sends req and decodes a 200 answer into out.
func do(b *testing.B, req *http.Request, out any) bool {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Error(err)
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, body)
		return false
	}
	if err := json.Unmarshal(body, out); err != nil {
		b.Error(err)
		return false
	}
	return true
}

// call sends a management request with the project's credentials.
func call(b *testing.B, s *servertest.Signet, method, path string, in, out any) {
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	req.SetBasicAuth(s.ProjectID, s.Secret)
	req.Header.Set("Content-Type", "application/json")
	if !do(b, req, out) {
		b.FailNow()
	}
}
