package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/keyring"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/testdb"
)

// cli runs one signet command to its end.
func cli(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func initJSON(t *testing.T, args ...string) (projectID, secret string) {
	t.Helper()
	out, _, err := cli(t, append([]string{"init", "--json"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		ProjectID string `json:"project_id"`
		Secret    string `json:"secret"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	return p.ProjectID, p.Secret
}

// The README's old tour: a database made with one master key and then
// used with another. Every command that opens it refuses, says what
// happened and how to recover, shows neither key, and writes nothing.
func TestOtherMasterKeyRefused(t *testing.T) {
	db := testdb.DSN(t)
	k1, k2 := keys.GenerateMasterKey(), keys.GenerateMasterKey()
	id, _ := initJSON(t, "--db", db, "--master-key", k1.Encode())
	t.Setenv("SIGNET_MASTER_KEY", k2.Encode())
	for _, args := range [][]string{
		{"init"},
		{"migrate"},
		{"projects", "list"},
		{"keys", "list"},
		{"keys", "rotate", "--project", id},
		{"project", "set", "--project", id, "--token-alg", "ES256"},
		{"project", "secret", "rotate", "start", "--project", id},
		{"banks", "list", "--project", id},
		{"master-key", "rotate", "--new-master-key", keys.GenerateMasterKey().Encode()},
		{"serve", "--addr", "127.0.0.1:0"},
	} {
		_, _, err := cli(t, append(args, "--db", db)...)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		for _, want := range []string{"sealed under another master key (" + keyring.ID(k1) + ")", keyring.ID(k2), "set SIGNET_MASTER_KEY to that key", "new --db"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%v: error %q lacks %q", args, msg, want)
			}
		}
		if strings.Contains(msg, k1.Encode()) || strings.Contains(msg, k2.Encode()) {
			t.Errorf("%v: the error shows a key: %s", args, msg)
		}
	}
	out, _, err := cli(t, "projects", "list", "--json", "--db", db, "--master-key", k1.Encode())
	if err != nil || strings.Count(out, "project_id") != 1 {
		t.Errorf("after the refusals: %s %v; want the one project", out, err)
	}
	out, _, err = cli(t, "master-key", "id")
	if err != nil || !strings.HasPrefix(out, keyring.ID(k2)+" (from env)") {
		t.Errorf("master-key id = %q, %v", out, err)
	}
}

// serve --dev with a master key in the environment that is not its data
// directory's says to unset it.
func TestServeDevWithAnotherKeySet(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := cli(t, "init", "--db", "sqlite:"+filepath.Join(dir, "signet.db"), "--master-key", keys.GenerateMasterKey().Encode()); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SIGNET_MASTER_KEY", keys.GenerateMasterKey().Encode())
	_, _, err := cli(t, "serve", "--dev", "--data-dir", dir, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "unset it") || !strings.Contains(err.Error(), filepath.Join(dir, masterKeyFile)) {
		t.Errorf("serve --dev with another key set: %v", err)
	}
}

// startServe runs `signet serve` on a free port until the test ends and
// returns its base URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), io.Discard, &logs)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	re := regexp.MustCompile(`msg="signet listening" addr=(127\.0\.0\.1:\d+)`)
	deadline := time.After(20 * time.Second)
	for {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			return "http://" + m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, logs.String())
		case <-deadline:
			t.Fatalf("serve did not start:\n%s", logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A database that an older Signet wrote under two master keys (the
// README's old tour): upgraded, it is used with the key of its first
// project; the other project's key does not open, is left out of the
// root JWKS (which still serves every other key, no longer a 500), and
// /readyz says not ready and why.
func TestUnreadableKeyBreaksNoOtherProject(t *testing.T) {
	ctx := t.Context()
	db := testdb.DSN(t)
	k1, k2 := keys.GenerateMasterKey(), keys.GenerateMasterKey()
	st := testdb.OpenDSN(t, db)
	legacy := func(mk keys.MasterKey) string {
		p, _, err := projects.Create(ctx, st, keys.NewManager(st, mk, keys.Options{}), secrets.NewPepper(mk.Derive("signet/pepper/v1")), "P", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	good, bad := legacy(k1), legacy(k2)
	base := startServe(t, "--db", db, "--master-key", k1.Encode())

	code, body := get(t, base+"/.well-known/jwks.json")
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	// Every project has its RS256, PS256 and ES256 keys: the good
	// project's three are the root JWKS, the bad project's none.
	if err := json.Unmarshal([]byte(body), &set); code != 200 || err != nil || len(set.Keys) != 3 {
		t.Errorf("root JWKS = %d %s, want the good project's keys", code, body)
	}
	code, own := get(t, base+"/v1/sessions/jwks/"+good)
	for _, k := range set.Keys {
		if code != 200 || !strings.Contains(own, k.Kid) {
			t.Errorf("root JWKS key %s is not the good project's (%d %s)", k.Kid, code, own)
		}
	}
	code, body = get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "do not open with this master key") || !strings.Contains(body, bad) {
		t.Errorf("/readyz = %d %s, want not ready naming the project", code, body)
	}
	out, _, err := cli(t, "keys", "list", "--db", db, "--master-key", k1.Encode())
	if err != nil || strings.Count(out, "NO (sealed under another master key") != 3 || strings.Count(out, " yes\n") != 3 {
		t.Errorf("keys list:\n%s%v", out, err)
	}
}

// master-key rotate re-seals everything under the new key: the old key is
// refused from then on, the new one serves every key and bank credential,
// the project's secret (hashed before) still authenticates, and a server
// still running with the old key reports not ready.
func TestMasterKeyRotateCommand(t *testing.T) {
	db := testdb.DSN(t)
	old, next := keys.GenerateMasterKey(), keys.GenerateMasterKey()
	id, secret := initJSON(t, "--db", db, "--master-key", old.Encode())
	if _, _, err := cli(t, "banks", "add", "--skip-checks", "--db", db, "--master-key", old.Encode(), "--project", id, "--issuer", "https://bank.example",
		"--name", "Bank", "--client-id", "rp", "--auth-method", "client_secret_basic", "--client-secret", "bank-secret"); err != nil {
		t.Fatal(err)
	}
	base := startServe(t, "--db", db, "--master-key", old.Encode())
	if code, body := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz before = %d %s", code, body)
	}

	out, _, err := cli(t, "keys", "list", "--db", db, "--master-key", old.Encode())
	nKeys := strings.Count(out, "yes")
	if err != nil || nKeys == 0 {
		t.Fatalf("keys list: %s %v", out, err)
	}

	t.Setenv("SIGNET_NEW_MASTER_KEY", next.Encode())
	out, _, err = cli(t, "master-key", "rotate", "--db", db, "--master-key", old.Encode())
	if want := fmt.Sprintf("re-sealed %d ", nKeys+1); err != nil || !strings.Contains(out, want) || !strings.Contains(out, keyring.ID(next)) {
		t.Fatalf("rotate: %q %v, want %q (every signing key and the bank)", out, err, want)
	}
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "restart it with the new key") {
		t.Errorf("/readyz of a server on the old key = %d %s", code, body)
	}
	if _, _, err := cli(t, "keys", "list", "--db", db, "--master-key", old.Encode()); err == nil {
		t.Error("the old key still opens the database")
	}
	out, _, err = cli(t, "keys", "list", "--db", db, "--master-key", next.Encode())
	if err != nil || strings.Contains(out, "NO") || strings.Count(out, "yes") != nKeys {
		t.Errorf("keys list with the new key:\n%s%v", out, err)
	}
	out, _, err = cli(t, "banks", "list", "--db", db, "--master-key", next.Encode(), "--project", id)
	if err != nil || !strings.Contains(out, "https://bank.example") {
		t.Errorf("banks list with the new key: %s %v", out, err)
	}
	base2 := startServe(t, "--db", db, "--master-key", next.Encode())
	req, _ := http.NewRequest(http.MethodGet, base2+"/v1/m2m/clients/search", nil)
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		t.Error("the project's secret no longer authenticates after the rotation")
	}
	if code, body := get(t, base2+"/readyz"); code != 200 {
		t.Errorf("/readyz with the new key = %d %s", code, body)
	}
}
