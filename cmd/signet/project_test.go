package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store/sqlite"
)

// `project set --tls-client-auth-trust-anchors FILE` stores the PEM
// certificates a project's tls_client_auth clients must chain to (RFC 8705
// §2.1); a file that is not certificates is refused, "none" clears them.
func TestProjectSetTrustAnchors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "signet.db")
	common := []string{"--db", "sqlite:" + db, "--master-key", keys.GenerateMasterKey().Encode()}
	cmd := func(args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		err := run(t.Context(), append(args, common...), &out, &bytes.Buffer{})
		return out.String(), err
	}
	out, err := cmd("init", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "RP CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	caFile, badFile := filepath.Join(t.TempDir(), "ca.pem"), filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(caFile, []byte(caPEM), 0o600)
	os.WriteFile(badFile, []byte("not a certificate"), 0o600)
	stored := func() string {
		t.Helper()
		st, err := sqlite.OpenAndMigrate(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		pr, err := st.Project(context.Background(), p.ProjectID)
		if err != nil {
			t.Fatal(err)
		}
		return pr.TLSClientAuthTrustAnchors
	}

	if _, err := cmd("project", "set", "--project", p.ProjectID); err == nil {
		t.Error("project set with nothing to set was accepted")
	}
	if _, err := cmd("project", "set", "--project", p.ProjectID, "--tls-client-auth-trust-anchors", badFile); err == nil || !strings.Contains(err.Error(), "PEM") {
		t.Errorf("a file that is not PEM certificates: %v", err)
	}
	if out, err := cmd("project", "set", "--project", p.ProjectID, "--tls-client-auth-trust-anchors", caFile); err != nil || !strings.Contains(out, "trust anchors set") {
		t.Fatalf("set: %q, %v", out, err)
	}
	if got := stored(); got != caPEM {
		t.Errorf("stored %q", got)
	}
	if _, err := cmd("project", "set", "--project", p.ProjectID, "--tls-client-auth-trust-anchors", "none"); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got != "" {
		t.Errorf("after none: %q", got)
	}
}
