package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/users"
)

// signInFlags are serve's flags for the client's address and the throttle
// on password sign-ins (internal/users documents the policy). Each has an
// environment variable, read when the flags are registered.
type signInFlags struct {
	trustedProxies string
	throttle       users.Throttle
	err            error // a malformed environment variable
}

func (f *signInFlags) register(fs *flag.FlagSet) {
	f.throttle = users.DefaultThrottle
	f.trustedProxies = os.Getenv("SIGNET_TRUSTED_PROXIES")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", f.trustedProxies,
		"comma-separated CIDR prefixes of the proxies whose X-Forwarded-For is believed about the client's address (env SIGNET_TRUSTED_PROXIES; default none)")
	t := &f.throttle
	f.intVar(fs, &t.AddressLimit, "login-address-limit", "SIGNET_LOGIN_ADDRESS_LIMIT",
		"sign-in attempts one client address (IPv6: its /64) may make per --login-address-window, over all accounts of a project; 0: no limit")
	f.durationVar(fs, &t.AddressWindow, "login-address-window", "SIGNET_LOGIN_ADDRESS_WINDOW",
		"the window of --login-address-limit")
	f.intVar(fs, &t.FreeFailures, "login-free-failures", "SIGNET_LOGIN_FREE_FAILURES",
		"failed sign-ins of an (account, address) pair before its attempts are delayed")
	f.durationVar(fs, &t.Delay, "login-delay", "SIGNET_LOGIN_DELAY",
		"the first delay of an (account, address) pair, doubled per further failure; 0: no delays")
	f.durationVar(fs, &t.MaxDelay, "login-max-delay", "SIGNET_LOGIN_MAX_DELAY",
		"the longest delay of an (account, address) pair")
	f.intVar(fs, &t.AccountLimit, "login-account-limit", "SIGNET_LOGIN_ACCOUNT_LIMIT",
		"failed sign-ins of an account per --login-account-window, from all addresses, that lock it for addresses it is not known at; 0: no limit")
	f.durationVar(fs, &t.AccountWindow, "login-account-window", "SIGNET_LOGIN_ACCOUNT_WINDOW",
		"the window of --login-account-limit")
	f.durationVar(fs, &t.KnownFor, "login-known-for", "SIGNET_LOGIN_KNOWN_FOR",
		"how long an address where an account signed in stays known to it (passes its lock); 0: never")
}

func (f *signInFlags) intVar(fs *flag.FlagSet, p *int, name, env, usage string) {
	if s := os.Getenv(env); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			f.err = errors.Join(f.err, fmt.Errorf("%s: %q is not a number", env, s))
		}
		*p = n
	}
	fs.IntVar(p, name, *p, usage+" (env "+env+")")
}

func (f *signInFlags) durationVar(fs *flag.FlagSet, p *time.Duration, name, env, usage string) {
	if s := os.Getenv(env); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			f.err = errors.Join(f.err, fmt.Errorf("%s: %q is not a duration", env, s))
		}
		*p = d
	}
	fs.DurationVar(p, name, *p, usage+" (env "+env+")")
}

// config checks the parsed flags.
func (f *signInFlags) config() ([]netip.Prefix, users.Throttle, error) {
	proxies, err := clientip.ParsePrefixes(f.trustedProxies)
	if err != nil {
		err = fmt.Errorf("--trusted-proxies: %w", err)
	}
	if err := errors.Join(f.err, err, f.throttle.Validate()); err != nil {
		return nil, users.Throttle{}, err
	}
	return proxies, f.throttle, nil
}
