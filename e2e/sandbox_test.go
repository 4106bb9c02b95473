package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// SandboxBank is a running `signet sandbox-bank` and what it wrote for
// relying parties (cmd/signet/sandbox_rp.go, sandbox-bank-rp.json).
type SandboxBank struct {
	Issuer      string                   `json:"issuer"`
	MTLSBaseURL string                   `json:"mtls_base_url"`
	TLSServerCA string                   `json:"tls_server_ca"`
	Clients     map[string]SandboxClient `json:"clients"`
	TestUsers   []struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Name     string `json:"name"`
	} `json:"test_users"`
	Dir string `json:"-"`
}

// SandboxClient is one of the bank's registered relying parties, in the
// IDPartner node client's config names (reference §3.1).
type SandboxClient struct {
	ClientID                string          `json:"client_id"`
	ClientSecret            string          `json:"client_secret,omitempty"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method"`
	RedirectURIs            []string        `json:"redirect_uris"`
	JWKS                    json.RawMessage `json:"jwks,omitempty"`
	TLSClientCert           string          `json:"tls_client_cert,omitempty"`
	TLSClientKey            string          `json:"tls_client_key,omitempty"`
}

// startSandboxBank runs `signet sandbox-bank` in a fresh directory on free
// loopback ports (HTTP and mutual TLS) and reads its RP file once the
// banner has printed the clients. extraArgs go to sandbox-bank (say
// --rp-redirect). It is stopped at cleanup.
func startSandboxBank(t *testing.T, extraArgs ...string) *SandboxBank {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"sandbox-bank", "--dir", dir, "--addr", freeAddr(t), "--mtls-addr", freeAddr(t)}, extraArgs...)
	cmd := exec.Command(signetBin, args...)
	cmd.Env = append(os.Environ(), "SIGNET_LOG_LEVEL=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Errorf("sandbox bank did not shut down within 15s")
		}
		if t.Failed() {
			t.Logf("sandbox bank log:\n%s", log.String())
		}
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		found := false
		for sc.Scan() {
			if !found && strings.Contains(sc.Text(), "Clients:") {
				found = true
				ready <- true
			}
		}
		if !found {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("sandbox bank exited before it was ready:\n%s", log.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("sandbox bank not ready after 30s:\n%s", log.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "sandbox-bank-rp.json"))
	if err != nil {
		t.Fatal(err)
	}
	bank := &SandboxBank{Dir: dir}
	if err := json.Unmarshal(b, bank); err != nil {
		t.Fatalf("sandbox-bank-rp.json: %v", err)
	}
	return bank
}
