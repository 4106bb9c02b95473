package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenIDClientLogout: openid-client 5.6 signs in to a real `signet
// serve` and signs out through its end_session_endpoint, built by the
// client's own endSessionUrl (OpenID Connect RP-Initiated Logout 1.0):
// once with id_token_hint (no question), once with client_id alone (the
// person confirms on Signet's page). Each time the state comes back to the
// registered post_logout_redirect_uri, and the client's
// backchannel_logout_uri (Back-Channel Logout 1.0) receives a logout token
// it verifies against Signet's JWKS, naming the session its ID token
// named; that session no longer authenticates (e2e/node/openid_client_logout.mjs).
func TestOpenIDClientLogout(t *testing.T) {
	nodeScript(t, "openid_client_logout.mjs") // skips early without the npm packages
	s := startServer(t)
	const email, password = "lin@example.com", "v8#Lq2!mZr@9wTe4"
	if code := s.call(t, "POST", "/v1/passwords", map[string]any{"email": email, "password": password}, nil); code != 200 {
		t.Fatalf("create user = %d", code)
	}
	backchannel := freeAddr(t)
	redirect, bye := "http://127.0.0.1:9/cb", "http://127.0.0.1:9/bye"
	var app struct {
		App connectedApp `json:"connected_app"`
	}
	if code := s.call(t, "POST", "/v1/connected_apps/clients", map[string]any{
		"client_type": "first_party", "client_name": "Notes", "redirect_urls": []string{redirect},
		"post_logout_redirect_urls": []string{bye}, "backchannel_logout_uri": "http://" + backchannel + "/backchannel",
		"backchannel_logout_session_required": true,
	}, &app); code != 200 {
		t.Fatalf("create Connected App = %d", code)
	}
	arg, _ := json.Marshal(map[string]any{
		"issuer": s.URL, "backchannel_addr": backchannel, "login": map[string]string{"email": email, "password": password},
		"client": map[string]string{"client_id": app.App.ClientID, "client_secret": app.App.ClientSecret,
			"redirect_uri": redirect, "post_logout_redirect_uri": bye},
	})
	cmd := nodeScript(t, "openid_client_logout.mjs", string(arg))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openid_client_logout.mjs: %v\n%s", err, stderr.String())
	}
	var got struct {
		Sessions []struct {
			SID          string         `json:"sid"`
			Sub          string         `json:"sub"`
			RedirectedTo string         `json:"redirectedTo"`
			Asked        bool           `json:"asked"`
			LogoutToken  map[string]any `json:"logoutToken"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal(out, &got); err != nil || len(got.Sessions) != 2 {
		t.Fatalf("output %q: %v", out, err)
	}
	for i, sess := range got.Sessions {
		if wantAsked := i == 1; sess.Asked != wantAsked {
			t.Errorf("sign-out %d: asked = %v, want %v", i+1, sess.Asked, wantAsked)
		}
		if !strings.HasPrefix(sess.RedirectedTo, bye+"?state=") {
			t.Errorf("sign-out %d: redirected to %q", i+1, sess.RedirectedTo)
		}
		if sess.LogoutToken["aud"] != app.App.ClientID || sess.LogoutToken["alg"] != "RS256" {
			t.Errorf("sign-out %d: logout token %v", i+1, sess.LogoutToken)
		}
		// The session the ID token named is over.
		var live struct {
			Sessions []struct {
				SessionID string `json:"session_id"`
			} `json:"sessions"`
		}
		if code := s.call(t, "GET", "/v1/sessions?user_id="+sess.Sub, nil, &live); code != 200 {
			t.Fatalf("list sessions = %d", code)
		}
		for _, l := range live.Sessions {
			if l.SessionID == sess.SID {
				t.Errorf("sign-out %d: session %s is still live", i+1, sess.SID)
			}
		}
	}
	if got.Sessions[0].SID == got.Sessions[1].SID {
		t.Error("two sign-ins, one sid")
	}
}
