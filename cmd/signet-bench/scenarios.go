package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
)

func gomaxprocs() int { return runtime.GOMAXPROCS(0) }

// errSkip marks a scenario the server cannot run yet.
var errSkip = errors.New("skipped")

// api calls the management API once (setup and cleanup, not measured).
func api(cfg *config, p credentials, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, cfg.base.String()+path, rd)
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(p.id, p.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: ioTimeout}).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	if resp.StatusCode != 200 {
		var e struct {
			ErrorType string `json:"error_type"`
		}
		if json.Unmarshal(b, &e) == nil && e.ErrorType == "route_not_found" {
			return resp.StatusCode, errSkip
		}
		return resp.StatusCode, fmt.Errorf("%s %s: HTTP %d %s", method, path, resp.StatusCode, b)
	}
	return 200, nil
}

func (cfg *config) needProjects() error {
	if len(cfg.projects) == 0 {
		return errors.New("needs -project and -secret")
	}
	return nil
}

// clientCredentials makes an M2M client in each project, checks one token,
// then loads the token endpoint.
func clientCredentials(cfg *config, out io.Writer) error {
	if err := cfg.needProjects(); err != nil {
		return err
	}
	for _, p := range cfg.projects {
		var created struct {
			M2MClient struct {
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
			} `json:"m2m_client"`
		}
		if _, err := api(cfg, p, "POST", "/v1/m2m/clients",
			map[string]any{"scopes": []string{"bench:read", "bench:write"}, "client_name": "signet-bench"}, &created); err != nil {
			return err
		}
		id, secret := created.M2MClient.ClientID, created.M2MClient.ClientSecret
		path := "/v1/public/" + p.id + "/oauth2/token"
		headers := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		body := "grant_type=client_credentials&client_id=" + url.QueryEscape(id) + "&client_secret=" + url.QueryEscape(secret)
		if cfg.basicAuth {
			body = "grant_type=client_credentials"
			headers["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
		}
		alg, err := tokenAlg(cfg, path, headers, body)
		if err == nil {
			measure(cfg, out, "client_credentials "+alg, newTarget(cfg.base.Host, "POST", path, headers, []byte(body)))
		}
		if _, derr := api(cfg, p, "DELETE", "/v1/m2m/clients/"+url.PathEscape(id), nil, nil); err == nil {
			err = derr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// tokenAlg requests one token and returns the alg of its JWS header, so
// each run is labelled with what was really measured.
func tokenAlg(cfg *config, path string, headers map[string]string, body string) (string, error) {
	req, _ := http.NewRequest("POST", cfg.base.String()+path, strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: ioTimeout}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(b, &tok) != nil {
		return "", fmt.Errorf("first token request: HTTP %d %s", resp.StatusCode, b)
	}
	h, _, _ := strings.Cut(tok.AccessToken, ".")
	hb, err := base64.RawURLEncoding.DecodeString(h)
	var header struct {
		Alg string `json:"alg"`
	}
	if err != nil || json.Unmarshal(hb, &header) != nil {
		return "", fmt.Errorf("access token is not a JWS: %.40q", tok.AccessToken)
	}
	return header.Alg, nil
}

// session makes a user with a password (which starts a session) and loads
// POST /v1/sessions/authenticate with its session_token.
func session(cfg *config, out io.Writer) error {
	if err := cfg.needProjects(); err != nil {
		return err
	}
	p := cfg.projects[0]
	var b [24]byte
	rand.Read(b[:])
	suffix := base64.RawURLEncoding.EncodeToString(b[:12])
	password := "Bench-" + base64.RawURLEncoding.EncodeToString(b[12:]) + "-pass!" // unrelated to the email, or the strength policy refuses it
	var created struct {
		UserID       string `json:"user_id"`
		SessionToken string `json:"session_token"`
	}
	_, err := api(cfg, p, "POST", "/v1/passwords", map[string]any{
		"email":                    "bench-" + strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(suffix)) + "@example.com",
		"password":                 password,
		"session_duration_minutes": 60,
	}, &created)
	if errors.Is(err, errSkip) {
		fmt.Fprintf(out, "%-28s skipped: this server has no /v1/passwords (internal/users not mounted yet)\n", "session authenticate")
		return nil
	}
	if err != nil {
		return err
	}
	if created.SessionToken == "" {
		return errors.New("POST /v1/passwords returned no session_token")
	}
	body, _ := json.Marshal(map[string]string{"session_token": created.SessionToken})
	headers := map[string]string{
		"Content-Type":  "application/json",
		"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(p.id+":"+p.secret)),
	}
	measure(cfg, out, "session authenticate", newTarget(cfg.base.Host, "POST", "/v1/sessions/authenticate", headers, body))
	_, err = api(cfg, p, "DELETE", "/v1/users/"+url.PathEscape(created.UserID), nil, nil)
	return err
}

// jwks loads the public Stytch-shaped JWKS route.
func jwks(cfg *config, out io.Writer) error {
	if err := cfg.needProjects(); err != nil {
		return err
	}
	measure(cfg, out, "jwks", newTarget(cfg.base.Host, "GET", "/v1/sessions/jwks/"+cfg.projects[0].id, nil, nil))
	return nil
}

// raw loads one request described by the -raw-* flags (anchor servers).
func raw(cfg *config, out io.Writer) error {
	headers := map[string]string{}
	for _, h := range cfg.rawHeaders {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return fmt.Errorf("-raw-header %q: want \"Name: value\"", h)
		}
		headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if cfg.rawBasic != "" {
		headers["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.rawBasic))
	}
	var body []byte
	if cfg.rawBody != "" {
		body = []byte(cfg.rawBody)
	}
	measure(cfg, out, cfg.rawName, newTarget(cfg.base.Host, cfg.rawMethod, cfg.rawPath, headers, body))
	return nil
}
