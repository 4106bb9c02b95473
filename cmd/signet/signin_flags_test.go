package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/users"
)

var signInEnv = []string{"SIGNET_TRUSTED_PROXIES", "SIGNET_LOGIN_ADDRESS_LIMIT", "SIGNET_LOGIN_ADDRESS_WINDOW",
	"SIGNET_LOGIN_FREE_FAILURES", "SIGNET_LOGIN_DELAY", "SIGNET_LOGIN_MAX_DELAY", "SIGNET_LOGIN_ACCOUNT_LIMIT",
	"SIGNET_LOGIN_ACCOUNT_WINDOW", "SIGNET_LOGIN_KNOWN_FOR"}

func parseSignInFlags(t *testing.T, env map[string]string, args ...string) (signInFlags, error) {
	t.Helper()
	for _, k := range signInEnv {
		t.Setenv(k, env[k])
	}
	fs := newFlagSet("serve", io.Discard)
	var f signInFlags
	f.register(fs)
	return f, fs.parse(args)
}

func TestSignInFlags(t *testing.T) {
	f, err := parseSignInFlags(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	proxies, th, err := f.config()
	if err != nil || len(proxies) != 0 || th != users.DefaultThrottle {
		t.Fatalf("defaults = %v %+v %v; want no proxies and users.DefaultThrottle", proxies, th, err)
	}

	// Environment first, flags over it.
	f, err = parseSignInFlags(t, map[string]string{
		"SIGNET_TRUSTED_PROXIES":     "10.0.0.0/8, 192.0.2.1",
		"SIGNET_LOGIN_ADDRESS_LIMIT": "0",
		"SIGNET_LOGIN_DELAY":         "2s",
		"SIGNET_LOGIN_KNOWN_FOR":     "0s",
	}, "--login-account-limit", "50", "--login-delay", "3s", "--login-max-delay=1h")
	if err != nil {
		t.Fatal(err)
	}
	proxies, th, err = f.config()
	if err != nil {
		t.Fatal(err)
	}
	want := users.DefaultThrottle
	want.AddressLimit, want.AccountLimit, want.Delay, want.MaxDelay, want.KnownFor = 0, 50, 3*time.Second, time.Hour, 0
	if th != want || len(proxies) != 2 || proxies[0].String() != "10.0.0.0/8" || proxies[1].String() != "192.0.2.1/32" {
		t.Errorf("got %v %+v, want [10.0.0.0/8 192.0.2.1/32] %+v", proxies, th, want)
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad proxy", nil, []string{"--trusted-proxies", "10.0.0.0/33"}, "--trusted-proxies"},
		{"bad env number", map[string]string{"SIGNET_LOGIN_ACCOUNT_LIMIT": "many"}, nil, "SIGNET_LOGIN_ACCOUNT_LIMIT"},
		{"bad env duration", map[string]string{"SIGNET_LOGIN_ADDRESS_WINDOW": "10"}, nil, "SIGNET_LOGIN_ADDRESS_WINDOW"},
		{"negative limit", nil, []string{"--login-address-limit", "-1"}, "negative"},
		{"no window", nil, []string{"--login-account-window", "0s"}, "window"},
		{"maximum below the first delay", nil, []string{"--login-delay", "1m", "--login-max-delay", "1s"}, "maximum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parseSignInFlags(t, tc.env, tc.args...)
			if err == nil {
				_, _, err = f.config()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one about %s", err, tc.want)
			}
		})
	}
}
