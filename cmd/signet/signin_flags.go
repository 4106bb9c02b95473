package main

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/users"
)

// signInFlags are serve's settings for the client's address and the
// throttle on password sign-ins (internal/users documents the policy).
type signInFlags struct {
	trustedProxies string
	throttle       users.Throttle
}

func (f *signInFlags) register(fs *flagSet) {
	d := users.DefaultThrottle
	t := &f.throttle
	fs.stringSetting(&f.trustedProxies, "trusted-proxies", "",
		"comma-separated CIDR prefixes of the proxies whose X-Forwarded-For is believed about the client's address (default none)")
	fs.intSetting(&t.AddressLimit, "login-address-limit", d.AddressLimit,
		"sign-in attempts one client address (IPv6: its /64) may make per --login-address-window, over all accounts of a project; 0: no limit")
	fs.durationSetting(&t.AddressWindow, "login-address-window", d.AddressWindow,
		"the window of --login-address-limit")
	fs.intSetting(&t.FreeFailures, "login-free-failures", d.FreeFailures,
		"failed sign-ins of an (account, address) pair before its attempts are delayed")
	fs.durationSetting(&t.Delay, "login-delay", d.Delay,
		"the first delay of an (account, address) pair, doubled per further failure; 0: no delays")
	fs.durationSetting(&t.MaxDelay, "login-max-delay", d.MaxDelay,
		"the longest delay of an (account, address) pair")
	fs.intSetting(&t.AccountLimit, "login-account-limit", d.AccountLimit,
		"failed sign-ins of an account per --login-account-window, from all addresses, that lock it for addresses it is not known at; 0: no limit")
	fs.durationSetting(&t.AccountWindow, "login-account-window", d.AccountWindow,
		"the window of --login-account-limit")
	fs.durationSetting(&t.KnownFor, "login-known-for", d.KnownFor,
		"how long an address where an account signed in stays known to it (passes its lock); 0: never")
}

// config checks the parsed settings.
func (f *signInFlags) config() ([]netip.Prefix, users.Throttle, error) {
	proxies, err := clientip.ParsePrefixes(f.trustedProxies)
	if err != nil {
		err = fmt.Errorf("--trusted-proxies: %w", err)
	}
	if err := errors.Join(err, f.throttle.Validate()); err != nil {
		return nil, users.Throttle{}, err
	}
	return proxies, f.throttle, nil
}
