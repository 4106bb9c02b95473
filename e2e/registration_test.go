package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openid-client 5.6 registers a client dynamically (RFC 7591) with an
// initial access token made by the management API, after discovering the
// registration endpoint in the project's discovery document, then
// completes an authorization code flow with it, reads the registration
// back (RFC 7592) and finds it a Connected App of the Stytch clients API;
// the registration access token deletes it (e2e/node/dcr_openid_client.mjs).
func TestOpenIDClientDynamicRegistration(t *testing.T) {
	nodeScript(t, "dcr_openid_client.mjs") // skips early without the npm packages
	bank := startSandboxBank(t)
	user := bank.TestUsers[0]
	var state struct {
		ProjectID     string `json:"project_id"`
		ProjectSecret string `json:"project_secret"`
	}
	b, err := os.ReadFile(filepath.Join(bank.Dir, "sandbox-bank.json"))
	if err != nil || json.Unmarshal(b, &state) != nil {
		t.Fatalf("sandbox state: %v", err)
	}
	call := func(method, path, bearer, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, bank.Issuer+path, strings.NewReader(body))
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		} else {
			req.SetBasicAuth(state.ProjectID, state.ProjectSecret)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return resp.StatusCode, out
	}
	code, out := call("POST", "/v1/connected_apps/registration_tokens", "", `{"max_uses":1,"expires_in_minutes":10}`)
	if code != http.StatusOK {
		t.Fatalf("initial access token: %d %v", code, out)
	}
	token := out["registration_token"].(map[string]any)["token"].(string)

	const redirect = "https://rp.example/callback"
	arg, _ := json.Marshal(map[string]any{
		"discovery":    bank.Issuer + "/v1/public/" + state.ProjectID + "/.well-known/openid-configuration",
		"token":        token,
		"redirect_uri": redirect,
		"login":        map[string]string{"email": user.Email, "password": user.Password},
	})
	cmd := nodeScript(t, "dcr_openid_client.mjs", string(arg))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("dcr_openid_client.mjs: %v\n%s", err, stderr.String())
	}
	var got struct {
		ClientID                string         `json:"clientId"`
		HasSecret               bool           `json:"hasSecret"`
		RegistrationClientURI   string         `json:"registrationClientUri"`
		RegistrationAccessToken string         `json:"registrationAccessToken"`
		IDToken                 map[string]any `json:"idToken"`
		UserInfo                map[string]any `json:"userinfo"`
		Refreshed               map[string]any `json:"refreshed"`
		ReadBack                map[string]any `json:"readBack"`
	}
	if err := json.Unmarshal(stdout, &got); err != nil {
		t.Fatalf("output %q: %v", stdout, err)
	}
	aud, _ := got.IDToken["aud"].([]any)
	if !got.HasSecret || len(aud) != 1 || aud[0] != got.ClientID || got.IDToken["email"] != user.Email || got.UserInfo["sub"] != got.IDToken["sub"] ||
		got.Refreshed == nil || got.ReadBack["client_id"] != got.ClientID || got.ReadBack["client_name"] != "Registered by openid-client" {
		t.Fatalf("openid-client saw %+v", got)
	}
	if got.RegistrationClientURI != bank.Issuer+"/v1/oauth2/register/"+got.ClientID {
		t.Errorf("registration_client_uri %q", got.RegistrationClientURI)
	}

	// The same record through the Stytch Connected Apps API.
	code, out = call("GET", "/v1/connected_apps/clients/"+got.ClientID, "", "")
	app, _ := out["connected_app"].(map[string]any)
	if code != http.StatusOK || app["client_type"] != "third_party" || app["client_name"] != "Registered by openid-client" {
		t.Fatalf("Stytch GET: %d %v", code, out)
	}
	// The single-use token is spent.
	code, out = call("POST", "/v1/oauth2/register", token, `{"redirect_uris":["`+redirect+`"]}`)
	if code != http.StatusUnauthorized || out["error"] != "invalid_token" {
		t.Errorf("second use of the token: %d %v", code, out)
	}
	// RFC 7592 §2.3: the registration access token deletes the client.
	if code, out = call("DELETE", "/v1/oauth2/register/"+got.ClientID, got.RegistrationAccessToken, ""); code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %v", code, out)
	}
	if code, _ = call("GET", "/v1/connected_apps/clients/"+got.ClientID, "", ""); code != http.StatusNotFound {
		t.Errorf("Stytch GET after DELETE: %d", code)
	}
}
