package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/keys"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "signet.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Flags beat the environment, which beats the config file, which beats
// the defaults.
func TestSettingsPrecedence(t *testing.T) {
	cfg := writeConfig(t, "addr: 127.0.0.1:1001\nissuer: https://file.example\nlogin-delay: 7s\nkey-cache-ttl: 11s\ntrusted-proxies: [10.0.0.0/8, 192.0.2.1]\nstore-timeout: 3s\ndb-wait: 1m\n")
	t.Setenv("SIGNET_ISSUER", "https://env.example")
	t.Setenv("SIGNET_LOGIN_DELAY", "8s")
	t.Setenv("SIGNET_DB_WAIT", "2m")
	t.Setenv("SIGNET_CONFIG", cfg)
	fs := newFlagSet("serve", io.Discard)
	o := registerServe(fs)
	if err := fs.parse([]string{"--login-delay", "9s"}); err != nil {
		t.Fatal(err)
	}
	ttl, err := o.keyTTL()
	if err != nil {
		t.Fatal(err)
	}
	if o.addr != "127.0.0.1:1001" || o.issuer != "https://env.example" || o.signIn.throttle.Delay != 9*time.Second ||
		ttl != 11*time.Second || o.signIn.trustedProxies != "10.0.0.0/8,192.0.2.1" || o.demo != "127.0.0.1:3000" ||
		o.storeTimeout != 3*time.Second || o.dbWait != 2*time.Minute {
		t.Errorf("got addr %q issuer %q delay %v ttl %v proxies %q demo %q store timeout %v db wait %v",
			o.addr, o.issuer, o.signIn.throttle.Delay, ttl, o.signIn.trustedProxies, o.demo, o.storeTimeout, o.dbWait)
	}
	for name, want := range map[string]string{"addr": "file", "issuer": "env", "login-delay": "flag", "demo-app-addr": "",
		"key-cache-ttl": "file", "store-timeout": "file", "db-wait": "env"} {
		if fs.origin[name] != want {
			t.Errorf("origin of %s = %q, want %q", name, fs.origin[name], want)
		}
	}
}

// A bad file or value is an error that names the key (and its line), and
// never shows a secret.
func TestSettingsErrors(t *testing.T) {
	secret := keys.GenerateMasterKey().Encode()
	for _, tc := range []struct {
		name, file string
		env        map[string]string
		want       []string
	}{
		{"unknown key", "adr: x\n", nil, []string{"signet.yaml:1: unknown key \"adr\""}},
		{"bad value", "addr: x\nlogin-delay: soon\n", nil, []string{"login-delay: invalid value \"soon\""}},
		{"twice", "addr: x\naddr: y\n", nil, []string{"signet.yaml:2: addr is set twice"}},
		{"no value", "addr:\n", nil, []string{"addr: want a value"}},
		{"not a mapping", "- addr\n", nil, []string{"want a mapping"}},
		{"bad env", "", map[string]string{"SIGNET_LOGIN_ACCOUNT_LIMIT": "many"}, []string{"SIGNET_LOGIN_ACCOUNT_LIMIT: invalid value \"many\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			fs := newFlagSet("serve", io.Discard)
			registerServe(fs)
			err := fs.parse([]string{"--config", writeConfig(t, tc.file)})
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v lacks %q", err, want)
				}
			}
		})
	}
	// A master key that does not parse: the error says where it came
	// from, not what it is.
	t.Setenv("SIGNET_MASTER_KEY", secret[:20])
	_, _, err := cli(t, "init", "--db", "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	if err == nil || !strings.Contains(err.Error(), "from env") || strings.Contains(err.Error(), secret[:20]) {
		t.Errorf("bad master key: %v", err)
	}
	// Nor does a database URL's password appear.
	_, _, err = cli(t, "migrate", "--db", "mysql://signet:hunter2@db/signet")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad --db: %v", err)
	}
}

// -h prints help and exits 0 for every command; it shows each setting's
// variable and whether a secret is set, never a secret's value.
func TestHelp(t *testing.T) {
	key := keys.GenerateMasterKey().Encode()
	t.Setenv("SIGNET_MASTER_KEY", key)
	t.Setenv("SIGNET_DB", "postgres://signet:hunter2@db/signet")
	for _, args := range [][]string{
		{"serve"}, {"init"}, {"migrate"}, {"projects", "list"}, {"keys", "list"}, {"keys", "rotate"},
		{"project", "set"}, {"project", "secret", "rotate", "start"}, {"banks", "add"}, {"banks", "list"},
		{"master-key", "id"}, {"master-key", "rotate"}, {"backup"}, {"healthcheck"}, {"sandbox-bank"},
	} {
		out, errOut, err := cli(t, append(args, "-h")...)
		if err != nil {
			t.Errorf("%v -h: %v", args, err)
		}
		all := out + errOut
		if !strings.Contains(all, "usage") && !strings.Contains(all, "Usage") {
			t.Errorf("%v -h printed no help:\n%s", args, all)
		}
		if strings.Contains(all, key) || strings.Contains(all, "hunter2") {
			t.Errorf("%v -h shows a secret:\n%s", args, all)
		}
		if args[0] != "sandbox-bank" && args[0] != "healthcheck" && !strings.Contains(all, "(env SIGNET_MASTER_KEY: set)") {
			t.Errorf("%v -h does not say the master key is set:\n%s", args, all)
		}
	}
	out, _, err := cli(t, "master-key", "-h")
	if err != nil || !strings.Contains(out, "usage") || strings.Contains(out, "=") {
		t.Errorf("master-key -h = %q, %v; want help, not a key", out, err)
	}
	_, errOut, _ := cli(t, "serve", "-h")
	for _, want := range []string{"--addr string", "(default 127.0.0.1:8080; env SIGNET_ADDR)", "(env SIGNET_CONFIG)", "--login-delay duration"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("serve -h lacks %q:\n%s", want, errOut)
		}
	}
}
