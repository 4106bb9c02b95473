package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVerifyWithBankJourney walks the journey the product exists for on
// `signet serve --dev`, in headless Chromium: the demo app, Signet's
// sign-in page, "Verify with your bank", the account selector, the
// sandbox bank's sign-in and consent, back through Signet to the app,
// signed in as a user made from the bank's claims. A screenshot of every
// page goes to $SIGNET_SCREENSHOTS (or a temp directory).
func TestVerifyWithBankJourney(t *testing.T) {
	chromium := requireBrowser(t)
	d := startDev(t)

	shots := os.Getenv("SIGNET_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]string{
		"appURL": d.app, "signetURL": d.signet, "bankURL": d.bank, "bankName": "Signet Sandbox Bank",
		"clientID": d.creds.DemoApp.ClientID, "visitorID": "browser-test-visitor",
		"email": "mikomo_10@sandbox.bank", "password": "mikomo_10", "screenshots": shots,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "verify.mjs", string(cfg))
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "SIGNET_BROWSER="+chromium)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser run failed: %v\n%s\nserver log:\n%s", err, stderr.String(), d.log.String())
	}
	var res struct {
		Steps         []string `json:"steps"`
		UserName      string   `json:"userName"`
		Verification  string   `json:"verification"`
		Remembered    bool     `json:"remembered"`
		ConsoleErrors []string `json:"consoleErrors"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("browser output %q: %v", out, err)
	}
	t.Logf("steps: %s; screenshots in %s", strings.Join(res.Steps, " > "), shots)
	if !strings.Contains(res.Verification, "Signet Sandbox Bank") || res.UserName == "" {
		t.Errorf("the app shows user %q verified by %q", res.UserName, res.Verification)
	}
	if !res.Remembered {
		t.Error("the account selector did not pre-select the bank chosen before")
	}
	// A CSP that blocks a step (form-action on the bank's redirect
	// chain, an inline style) would show on the console.
	for _, e := range res.ConsoleErrors {
		if strings.Contains(e, "Content Security Policy") {
			t.Errorf("CSP violation: %s", e)
		}
	}

	// The user Signet made: one, with the bank's name, the verification
	// and its provenance, signed in with a bank factor.
	var found struct {
		Results []struct {
			UserID string `json:"user_id"`
			Name   struct {
				FirstName string `json:"first_name"`
			} `json:"name"`
			Verifications []struct {
				BankName    string `json:"bank_name"`
				BankIssuer  string `json:"bank_issuer"`
				BankSubject string `json:"bank_subject"`
			} `json:"verifications"`
			TrustedMetadata struct {
				ExternalSource map[string]any `json:"external_source"`
			} `json:"trusted_metadata"`
		} `json:"results"`
	}
	d.api(t, "POST", "/v1/users/search", `{"limit":10}`, &found)
	if len(found.Results) != 1 {
		t.Fatalf("users = %d, want 1", len(found.Results))
	}
	u := found.Results[0]
	if len(u.Verifications) != 1 || u.Verifications[0].BankName != "Signet Sandbox Bank" || u.Verifications[0].BankIssuer != d.bank ||
		u.Verifications[0].BankSubject == "" || u.TrustedMetadata.ExternalSource["type"] != "bank" {
		t.Errorf("user = %+v", u)
	}
	if !strings.Contains(res.UserName, u.Name.FirstName) || u.Name.FirstName == "" {
		t.Errorf("app shows %q for a user named %q", res.UserName, u.Name.FirstName)
	}
	var sessions struct {
		Sessions []struct {
			Factors []map[string]any `json:"authentication_factors"`
		} `json:"sessions"`
	}
	d.api(t, "GET", "/v1/sessions?user_id="+u.UserID, "", &sessions)
	if len(sessions.Sessions) == 0 || fmt.Sprint(sessions.Sessions[0].Factors) == "" ||
		!strings.Contains(fmt.Sprint(sessions.Sessions[0].Factors), "oauth_bank") {
		t.Errorf("sessions = %+v, want one with a bank factor", sessions)
	}
}

// dev is a running `signet serve --dev`: Signet, the sandbox bank and the
// demo app, on free loopback ports.
type dev struct {
	signet, bank, app string
	creds             struct {
		ProjectID string `json:"project_id"`
		Secret    string `json:"secret"`
		DemoApp   struct {
			ClientID string `json:"client_id"`
		} `json:"demo_app"`
	}
	log *bytes.Buffer
}

func startDev(t *testing.T) *dev {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "signet")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/signet").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	signetAddr, bankAddr, appAddr := freePort(t), freePort(t), freePort(t)
	d := &dev{signet: "http://" + signetAddr, bank: "http://" + bankAddr, app: "http://" + appAddr, log: &bytes.Buffer{}}
	cmd := exec.Command(bin, "serve", "--dev", "--data-dir", dir, "--db", "sqlite:"+filepath.Join(dir, "signet.db"), "--addr", signetAddr,
		"--sandbox-bank-addr", bankAddr, "--sandbox-bank-mtls-addr", "", "--demo-app-addr", appAddr)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SIGNET_LOG_LEVEL=warn", "SIGNET_MASTER_KEY=")
	startProcess(t, cmd, d.log)
	for _, u := range []string{d.signet + "/readyz", d.bank + "/readyz", d.app + "/"} {
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if resp, err := http.Get(u); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not ready; log:\n%s", u, d.log.String())
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "signet-dev.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &d.creds); err != nil || d.creds.DemoApp.ClientID == "" {
		t.Fatalf("signet-dev.json %s: %v", b, err)
	}
	return d
}

func (d *dev) api(t *testing.T, method, path, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, d.signet+path, strings.NewReader(body))
	req.SetBasicAuth(d.creds.ProjectID, d.creds.Secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		t.Fatalf("%s %s = %d %s", method, path, resp.StatusCode, b.String())
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
