package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestJourneyHasNoDeadEnd walks the bank journey on `signet serve --dev`
// in headless Chromium on a 390 px phone, with the mistakes people make
// (node/journey.mjs): Reload of Signet's sign-in page, of the account
// selector and of the bank's sign-in page; Back from the bank to the
// selector and choosing again; a wrong password at the bank; "Use another
// account" at the bank (which requires pushed requests); deny; and Back
// from the signed-in app. Every step must leave a way on.
func TestJourneyHasNoDeadEnd(t *testing.T) {
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
		"email": "mikomo_10@sandbox.bank", "password": "mikomo_10",
		"otherEmail": "jordan_23@sandbox.bank", "otherPassword": "jordan_23", "screenshots": shots,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "journey.mjs", string(cfg))
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
		ConsoleErrors []string `json:"consoleErrors"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("browser output %q: %v", out, err)
	}
	t.Logf("steps: %s; screenshots in %s", strings.Join(res.Steps, " > "), shots)
	for _, e := range res.ConsoleErrors {
		if strings.Contains(e, "Content Security Policy") {
			t.Errorf("CSP violation: %s", e)
		}
	}
}
