package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/keys"
)

// `keys rotate` refuses a publish delay with which a server could sign
// with the new key before another server's JWKS serves it: the delay must
// exceed the servers' key cache TTL (--key-cache-ttl, the same on every
// server) plus the margin for clock skew and reads in flight.
func TestKeysRotateRefusesShortPublishDelay(t *testing.T) {
	t.Setenv("SIGNET_KEY_CACHE_TTL", "") // unset: the default, 30s
	common := []string{"--db", "sqlite:" + filepath.Join(t.TempDir(), "signet.db"), "--master-key", keys.GenerateMasterKey().Encode()}
	cmd := func(args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(t.Context(), append(args, common...), &out, &errOut)
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
	least := keys.MinPublishDelay(keys.DefaultCacheTTL)
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"--publish-delay", keys.DefaultCacheTTL.String()}, false},
		{[]string{"--publish-delay", (least - 1).String()}, false},
		{[]string{"--publish-delay", "2s", "--key-cache-ttl", "1s"}, false},
		{[]string{"--publish-delay", least.String()}, true},
		{[]string{"--publish-delay", "7s", "--key-cache-ttl", "1s"}, true},
		{[]string{"--publish-delay", "1m", "--key-cache-ttl", "0s"}, false}, // not a TTL
	} {
		out, err := cmd(append([]string{"keys", "rotate", "--project", p.ProjectID}, tc.args...)...)
		switch {
		case tc.ok && (err != nil || !strings.Contains(out, "published now")):
			t.Errorf("%v: %q, %v", tc.args, out, err)
		case !tc.ok && err == nil:
			t.Errorf("%v: accepted (%q)", tc.args, out)
		}
	}
}

// --key-cache-ttl is a setting like serve's: keys rotate and project set
// take it from SIGNET_KEY_CACHE_TTL or the config file too, so one value
// set for the servers reaches the commands that make keys.
func TestKeyCacheTTLSetting(t *testing.T) {
	common := []string{"--db", "sqlite:" + filepath.Join(t.TempDir(), "signet.db"), "--master-key", keys.GenerateMasterKey().Encode()}
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
	rotate := []string{"keys", "rotate", "--project", p.ProjectID, "--publish-delay", "7s"}
	t.Setenv("SIGNET_KEY_CACHE_TTL", "")
	if _, err := cmd(rotate...); err == nil || !strings.Contains(err.Error(), "--key-cache-ttl 30s") {
		t.Errorf("default TTL: %v, want the 7s delay refused", err)
	}
	t.Setenv("SIGNET_KEY_CACHE_TTL", "1s")
	if out, err := cmd(rotate...); err != nil || !strings.Contains(out, "published now") {
		t.Errorf("SIGNET_KEY_CACHE_TTL=1s: %q, %v", out, err)
	}
	t.Setenv("SIGNET_KEY_CACHE_TTL", "")
	t.Setenv("SIGNET_CONFIG", writeConfig(t, "key-cache-ttl: 1s\n"))
	if out, err := cmd(rotate...); err != nil || !strings.Contains(out, "published now") {
		t.Errorf("key-cache-ttl: 1s in the config file: %q, %v", out, err)
	}
	t.Setenv("SIGNET_CONFIG", "")
	t.Setenv("SIGNET_KEY_CACHE_TTL", "0s")
	for _, args := range [][]string{rotate, {"project", "set", "--project", p.ProjectID, "--token-alg", "ES256"}} {
		if _, err := cmd(args...); err == nil || !strings.Contains(err.Error(), "--key-cache-ttl") {
			t.Errorf("%v with SIGNET_KEY_CACHE_TTL=0s: %v, want it refused", args[:2], err)
		}
	}
}
