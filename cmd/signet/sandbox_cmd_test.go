package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is stdout shared with a running command.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runUntil runs a signet command until stdout contains want, then stops it.
func runUntil(t *testing.T, want string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, &out, &bytes.Buffer{}) }()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(out.String(), want) {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("%v ended: %v\n%s", args, err, out.String())
		case <-deadline:
			cancel()
			t.Fatalf("%v: no %q in\n%s", args, want, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("%v: %v", args, err)
	}
	return out.String()
}

// The sandbox-bank command: flags, summary, and --rp-redirect changes
// re-registered on the existing clients at the next start.
func TestSandboxBankCommand(t *testing.T) {
	dir := t.TempDir()
	args := []string{"sandbox-bank", "--dir", dir, "--addr", "127.0.0.1:0", "--mtls-addr", ""}
	out := runUntil(t, "Clients:", args...)
	for _, want := range []string{"Issuer:     http://127.0.0.1:", "mikomo_10@sandbox.bank", filepath.Join(dir, bankRPFile)} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	rp := readRPFile(t, filepath.Join(dir, bankRPFile))
	if rp.MTLSBaseURL != "" || rp.TLSServerCA != "" {
		t.Errorf("--mtls-addr \"\" still published mTLS: %q", rp.MTLSBaseURL)
	}
	const cb = "https://rp.example/callback"
	runUntil(t, "Clients:", append(args, "--rp-redirect", cb)...)
	rp2 := readRPFile(t, filepath.Join(dir, bankRPFile))
	for name, c := range rp2.Clients {
		if c.ClientID != rp.Clients[name].ClientID || len(c.RedirectURIs) != 1 || c.RedirectURIs[0] != cb {
			t.Errorf("client %s after --rp-redirect: %+v", name, c)
		}
	}
}

// serve --dev starts the sandbox bank beside Signet, with its own files,
// and keeps everything it writes in its data directory (by default
// .signet-dev in the working directory): nothing lands beside it.
func TestServeDevStartsBank(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	out := runUntil(t, "Clients:", "serve", "--dev",
		"--addr", "127.0.0.1:0", "--sandbox-bank-addr", "127.0.0.1:0", "--sandbox-bank-mtls-addr", "127.0.0.1:0",
		"--demo-app-addr", "127.0.0.1:0")
	for _, want := range []string{"Open http://127.0.0.1:", "Demo project ID:", "Demo app client ID:", "Signet Sandbox Bank", "jordan_23@sandbox.bank"} {
		if !strings.Contains(out, want) {
			t.Errorf("dev banner lacks %q:\n%s", want, out)
		}
	}
	dir := filepath.Join(wd, devDataDir)
	for _, f := range []string{"signet.db", masterKeyFile, devCredentialsFile, bankMasterKeyFile, bankDBFile, bankStateFile, bankRPFile, bankCertPrefix + ".crt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("dev mode: %v", err)
		}
	}
	entries, err := os.ReadDir(wd)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != devDataDir {
			t.Errorf("serve --dev wrote %s outside its data directory", e.Name())
		}
	}
}
