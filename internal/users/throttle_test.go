package users_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/postgres"
	"github.com/signet-id/signet/internal/store/sqlite"
	"github.com/signet-id/signet/internal/testdb"
	"github.com/signet-id/signet/internal/users"
)

// answer is what a caller sees of a sign-in: everything in the body but
// the request ID.
type answer struct {
	Status                  int
	Type, Message, ErrorURL string
}

func (a answer) String() string { return fmt.Sprintf("%d %s %q", a.Status, a.Type, a.Message) }

// signIn sends passwords.authenticate over a connection from remote
// ("host:port"), with X-Forwarded-For lines xff.
func (e *env) signIn(t *testing.T, remote, email, pw string, xff ...string) answer {
	t.Helper()
	raw, _ := json.Marshal(obj{"email": email, "password": pw})
	req := httptest.NewRequest("POST", "/v1/passwords/authenticate", bytes.NewReader(raw))
	req.RemoteAddr = remote
	for _, v := range xff {
		req.Header.Add("X-Forwarded-For", v)
	}
	req.SetBasicAuth(e.projectID, e.secret)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.http.ServeHTTP(rec, req)
	var out obj
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("sign-in: body %q: %v", rec.Body.String(), err)
	}
	a := answer{Status: rec.Code}
	a.Type, _ = out["error_type"].(string)
	a.Message, _ = out["error_message"].(string)
	a.ErrorURL, _ = out["error_url"].(string)
	return a
}

// alignClock moves the clock to the next full hour, where every window
// of the policies here starts (they are aligned on the Unix epoch), so a
// test knows which of its attempts share one.
func (e *env) alignClock() {
	now := e.clock.Now()
	e.clock.Advance(now.Truncate(time.Hour).Add(time.Hour).Sub(now))
}

var (
	wrongPassword = answer{http.StatusUnauthorized, "unauthorized_credentials", "Unauthorized credentials.",
		"/docs/errors#unauthorized_credentials"}
	throttled = answer{http.StatusTooManyRequests, "too_many_requests", "Too many requests; try again later.",
		"/docs/errors#too_many_requests"}
	signedIn = answer{Status: http.StatusOK}
)

func withThrottle(th users.Throttle) func(*setup) {
	return func(s *setup) { s.Throttle = th }
}

// TestThrottleSameForUnknownAccounts: through 20 failures, delays and
// the account lock, an unknown email gets exactly the answers a real
// account gets, and a locked real account refuses its right password with
// the answer an unknown email gets. (Before, a real account answered 403
// user_locked after 10 failures while an unknown one answered 401 forever.)
func TestThrottleSameForUnknownAccounts(t *testing.T) {
	th := users.DefaultThrottle
	th.FreeFailures, th.Delay, th.MaxDelay, th.AccountLimit = 3, time.Second, 4*time.Second, 6
	e := newEnv(t, withThrottle(th))
	e.signup(t, "owner@example.com")
	e.alignClock()

	var real, unknown []answer
	for range 20 {
		real = append(real, e.signIn(t, "198.51.100.1:1000", "owner@example.com", "wrong"))
		unknown = append(unknown, e.signIn(t, "198.51.100.2:1000", "nobody@example.com", "wrong"))
		e.clock.Advance(1500 * time.Millisecond)
	}
	if !slices.Equal(real, unknown) {
		t.Fatalf("a real account and an unknown one answer differently:\nreal    %v\nunknown %v", real, unknown)
	}
	if !slices.Contains(real, wrongPassword) || !slices.Contains(real, throttled) || len(real) != 20 {
		t.Fatalf("want both failures and throttling in the sequence: %v", real)
	}
	for _, a := range real {
		if a != wrongPassword && a != throttled {
			t.Fatalf("unexpected answer %v", a)
		}
	}
	// The account is locked now: its right password, from a new address,
	// gets what any password of an unknown email gets there.
	if got, other := e.signIn(t, "198.51.100.3:1000", "owner@example.com", strongPassword),
		e.signIn(t, "198.51.100.4:1000", "nobody@example.com", strongPassword); got != throttled || other != throttled {
		t.Errorf("locked account, right password = %v; unknown account = %v; want both %v", got, other, throttled)
	}
}

// TestThrottleOwnerNotLockedOut: an attacker exhausting their budget does
// not keep the owner out.
func TestThrottleOwnerNotLockedOut(t *testing.T) {
	const owner, home, attacker = "owner@example.com", "198.51.100.7:443", "203.0.113.66:443"

	t.Run("delays are the attacker's own", func(t *testing.T) {
		e := newEnv(t)
		e.signup(t, owner)
		e.alignClock()
		failures := 0
		for range 60 {
			switch a := e.signIn(t, attacker, owner, "guess"); a {
			case wrongPassword:
				failures++
			case throttled:
			default:
				t.Fatalf("attacker got %v", a)
			}
			e.clock.Advance(time.Second)
		}
		// 5 free, one more, then 1, 2, 4, 8, 16 s apart (the next one
		// would wait 32 s): 11 guesses in the minute.
		if failures != 11 {
			t.Errorf("the attacker had %d guesses in a minute, want 11", failures)
		}
		if a := e.signIn(t, attacker, owner, strongPassword); a != throttled {
			t.Errorf("the attacker's address, right password = %v: a guess in a delay must not be checked", a)
		}
		// The owner, at home or anywhere else, is not delayed.
		for _, at := range []string{home, "192.0.2.200:80"} {
			if a := e.signIn(t, at, owner, strongPassword); a != signedIn {
				t.Errorf("owner at %s = %v, want signed in", at, a)
			}
		}
	})

	t.Run("account lock spares known addresses", func(t *testing.T) {
		th := users.DefaultThrottle
		th.AccountLimit = 10
		e := newEnv(t, withThrottle(th))
		e.signup(t, owner)
		e.alignClock()
		if a := e.signIn(t, home, owner, strongPassword); a != signedIn {
			t.Fatalf("owner at home = %v", a)
		}
		// Ten guessers at ten addresses, one guess each: the account locks.
		for i := range 10 {
			if a := e.signIn(t, fmt.Sprintf("203.0.113.%d:443", i), owner, "guess"); a != wrongPassword {
				t.Fatalf("guess %d = %v", i, a)
			}
		}
		const away = "192.0.2.200:80"
		if a := e.signIn(t, away, owner, strongPassword); a != throttled {
			t.Errorf("owner at a new address while locked = %v, want %v", a, throttled)
		}
		if a := e.signIn(t, home, owner, strongPassword); a != signedIn {
			t.Errorf("owner at home while locked = %v, want signed in", a)
		}
		// Signing in at home does not end the lock for everyone else.
		if a := e.signIn(t, "203.0.113.99:443", owner, "guess"); a != throttled {
			t.Errorf("a new guesser after the owner signed in = %v, want %v", a, throttled)
		}
		// A password reset lifts it (for the reset's address).
		if err := e.svc.LiftLockout(t.Context(), e.projectID, "OWNER@example.com", netip.MustParseAddr("192.0.2.200")); err != nil {
			t.Fatal(err)
		}
		if a := e.signIn(t, away, owner, strongPassword); a != signedIn {
			t.Errorf("owner at the new address after a reset = %v, want signed in", a)
		}
		// And the window ending lifts it too.
		for i := range 10 {
			e.signIn(t, fmt.Sprintf("203.0.113.%d:443", 100+i), owner, "guess")
		}
		if a := e.signIn(t, "192.0.2.201:80", owner, strongPassword); a != throttled {
			t.Errorf("locked again: owner at another new address = %v", a)
		}
		e.clock.Advance(time.Hour)
		if a := e.signIn(t, "192.0.2.201:80", owner, strongPassword); a != signedIn {
			t.Errorf("after the window = %v, want signed in", a)
		}
	})

	t.Run("one address trying many accounts", func(t *testing.T) {
		th := users.DefaultThrottle
		th.AddressLimit = 5
		e := newEnv(t, withThrottle(th))
		e.signup(t, owner)
		e.alignClock()
		for i := range 5 {
			if a := e.signIn(t, attacker, fmt.Sprintf("user%d@example.com", i), "guess"); a != wrongPassword {
				t.Fatalf("attempt %d = %v", i, a)
			}
		}
		if a := e.signIn(t, attacker, owner, strongPassword); a != throttled {
			t.Errorf("sixth attempt from the address = %v, want %v", a, throttled)
		}
		if a := e.signIn(t, home, owner, strongPassword); a != signedIn {
			t.Errorf("owner at home = %v, want signed in", a)
		}
		e.clock.Advance(th.AddressWindow)
		if a := e.signIn(t, attacker, "user9@example.com", "guess"); a != wrongPassword {
			t.Errorf("next window = %v, want %v", a, wrongPassword)
		}
	})
}

// TestThrottleTwoNodes: two handlers, each with its own pools on one
// database (two nodes), share one budget; before, each node kept its own
// in memory and N nodes gave N times the tries.
func TestThrottleTwoNodes(t *testing.T) {
	th := users.DefaultThrottle
	th.FreeFailures, th.Delay, th.MaxDelay, th.AddressLimit, th.AccountLimit = 4, time.Hour, time.Hour, 10, 0
	dsn := testdb.DSN(t)
	a := newEnvOn(t, openDSN(t, dsn), withThrottle(th))
	b := a.node(t, openDSN(t, dsn), withThrottle(th))
	a.signup(t, "owner@example.com")
	a.alignClock()
	nodes := []*env{a, b}

	// One (account, address) pair: 4 free failures and the fifth, which
	// earns the delay, then nothing, whichever node is asked.
	var got []answer
	for i := range 10 {
		got = append(got, nodes[i%2].signIn(t, "203.0.113.1:1", "owner@example.com", "guess"))
	}
	if want := append(slices.Repeat([]answer{wrongPassword}, 5), slices.Repeat([]answer{throttled}, 5)...); !slices.Equal(got, want) {
		t.Errorf("one pair over two nodes:\n got %v\nwant %v", got, want)
	}
	// One address, many accounts: 10 attempts in the window, all nodes
	// together.
	got = got[:0]
	for i := range 14 {
		got = append(got, nodes[i%2].signIn(t, "203.0.113.2:1", fmt.Sprintf("user%d@example.com", i), "guess"))
	}
	if want := append(slices.Repeat([]answer{wrongPassword}, 10), slices.Repeat([]answer{throttled}, 4)...); !slices.Equal(got, want) {
		t.Errorf("one address over two nodes:\n got %v\nwant %v", got, want)
	}
}

// TestThrottleTrustedProxies: the address limit counts the client behind
// trusted proxies, and X-Forwarded-For from anyone else changes nothing.
func TestThrottleTrustedProxies(t *testing.T) {
	th := users.DefaultThrottle
	th.AddressLimit = 3
	trusted, err := clientip.ParsePrefixes("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		remote string
		xff    func(i int) []string
		want   int // attempts that get a password check before the limit
	}{
		{"no header", "192.0.2.1:1", func(int) []string { return nil }, 3},
		{"spoofed header from an untrusted peer", "192.0.2.1:1",
			func(i int) []string { return []string{fmt.Sprintf("198.51.100.%d", i)} }, 3},
		{"a new client each time behind a trusted proxy", "10.0.0.1:1",
			func(i int) []string { return []string{fmt.Sprintf("198.51.100.%d", i)} }, 6},
		{"one client spoofing the left of the header through a trusted proxy", "10.0.0.1:1",
			func(i int) []string { return []string{fmt.Sprintf("198.51.100.%d, 203.0.113.50", i)} }, 3},
		{"two trusted hops", "10.0.0.1:1",
			func(i int) []string { return []string{fmt.Sprintf("198.51.100.%d, 203.0.113.51", i), "10.2.3.4"} }, 3},
		{"trusted proxy without the header", "10.0.0.2:1", func(int) []string { return nil }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withThrottle(th), func(s *setup) { s.ClientIP = clientip.New(trusted) })
			e.alignClock()
			checked := 0
			for i := range 6 {
				if e.signIn(t, tt.remote, fmt.Sprintf("user%d@example.com", i), "guess", tt.xff(i)...) == wrongPassword {
					checked++
				}
			}
			if checked != tt.want {
				t.Errorf("%d of 6 attempts checked, want %d", checked, tt.want)
			}
		})
	}
}

// node is a second service and handler (another node) for e's project,
// on st: the same database through other pools.
func (e *env) node(t *testing.T, st store.Store, configure ...func(*setup)) *env {
	t.Helper()
	n := *e
	n.st = st
	n.serve(configure...)
	return &n
}

// openDSN opens and migrates the database dsn (a testdb.DSN) with pools
// of its own.
func openDSN(t *testing.T, dsn string) store.Store {
	t.Helper()
	var (
		st  store.Store
		err error
	)
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		st, err = sqlite.OpenAndMigrate(t.Context(), path)
	} else {
		st, err = postgres.OpenAndMigrate(t.Context(), dsn)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
