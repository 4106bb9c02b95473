// Command signet-bench drives a running Signet (or an anchor server) over
// loopback for a bounded time and prints throughput and latency
// percentiles per scenario. It starts no server itself; bench/run.sh starts
// each server in turn and calls it. See docs/benchmarks.md.
//
//	signet-bench -url http://127.0.0.1:8080 -project P1,P2 -secret S1,S2 \
//	    -scenarios client_credentials,session,jwks,connected_apps -c 16 -duration 15s
//
// Scenarios:
//
//	client_credentials  POST /v1/public/{project}/oauth2/token, once per -project
//	                    (a fresh M2M client made through the management API,
//	                    deleted afterwards); labelled with the token's alg
//	session             POST /v1/sessions/authenticate with a session_token
//	                    (skipped when the server has no /v1/passwords yet)
//	jwks                GET /v1/sessions/jwks/{project}
//	connected_apps      one authorization-code flow per iteration, 2 requests on
//	                    the same connection: POST /v1/idp/oauth/authorize (the
//	                    consent API, HTTP Basic project auth, user_id) then
//	                    POST /v1/oauth2/token with the code (client_secret_basic);
//	                    a fresh third_party client and user made through the
//	                    management API, the client deleted afterwards. The
//	                    req/s column counts flows, latencies are per flow
//	par                 POST to the OP's pushed authorization request endpoint
//	                    (from its discovery document) with client_secret_basic
//	                    and a PS256 request object signed afresh per request
//	                    by the generator; credentials, private JWKS and issuer
//	                    from -par-rp (sandbox-bank-rp.json); -url may be
//	                    https for this scenario (loopback, certificate not
//	                    verified)
//	raw                 any request given by -raw-* flags (anchor servers)
//
// `signet-bench make-fapi-bank DIR PORT` writes the par scenario's
// oidc-provider anchor: DIR/fapi-bank.json (the argument of
// e2e/node/fapi_bank.mjs) and DIR/rp.json (for -par-rp).
//
// Every run is bounded by -warmup plus -duration (each read and write has
// a 10 s deadline too), and only loopback targets are accepted.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"
)

type config struct {
	base      *url.URL
	projects  []credentials
	scenarios []string
	conns     int
	warmup    time.Duration
	duration  time.Duration
	serverPID int
	basicAuth bool

	parFile, parClient string

	rawName, rawMethod, rawPath, rawBody, rawBasic string
	rawHeaders                                     headerFlags
}

type credentials struct{ id, secret string }

type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

const maxDuration = 10 * time.Minute

func main() {
	if len(os.Args) > 1 && os.Args[1] == "make-fapi-bank" {
		// signet-bench make-fapi-bank DIR PORT: the par scenario's
		// oidc-provider anchor (par_anchor.go).
		port := 0
		if len(os.Args) == 4 {
			if _, err := fmt.Sscan(os.Args[3], &port); err != nil {
				port = 0 // the usage below
			}
		}
		if len(os.Args) != 4 || port == 0 {
			fmt.Fprintln(os.Stderr, "usage: signet-bench make-fapi-bank DIR PORT")
			os.Exit(2)
		}
		if err := makeFAPIBank(os.Args[2], port); err != nil {
			fmt.Fprintln(os.Stderr, "signet-bench:", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "signet-bench:", err)
		os.Exit(2)
	}
	if err := runAll(cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "signet-bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("signet-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &config{}
	rawURL := fs.String("url", "http://127.0.0.1:8080", "base URL of the server under test (loopback only)")
	projects := fs.String("project", "", "project ID(s), comma-separated; client_credentials runs once per project")
	secrets := fs.String("secret", "", "the project secret(s), comma-separated, in the order of -project")
	scenarios := fs.String("scenarios", "client_credentials,session,jwks,connected_apps", "comma-separated scenarios: client_credentials, session, jwks, connected_apps, par, raw")
	fs.IntVar(&cfg.conns, "c", 16, "concurrent keep-alive connections")
	fs.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "load before measuring (not counted)")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "measured time per scenario")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "PID of the server, to report its CPU time per request (Linux /proc)")
	fs.BoolVar(&cfg.basicAuth, "basic", false, "client_credentials: send the client secret with HTTP Basic instead of in the body")
	fs.StringVar(&cfg.parFile, "par-rp", "", "par: the RP file of the OP (sandbox-bank-rp.json of signet sandbox-bank, or the same shape)")
	fs.StringVar(&cfg.parClient, "par-client", "basic", "par: the client of -par-rp to use (client_secret_basic with a private JWKS)")
	fs.StringVar(&cfg.rawName, "raw-name", "raw", "raw: label of the scenario")
	fs.StringVar(&cfg.rawMethod, "raw-method", "POST", "raw: HTTP method")
	fs.StringVar(&cfg.rawPath, "raw-path", "/", "raw: path")
	fs.StringVar(&cfg.rawBody, "raw-body", "", "raw: request body")
	fs.StringVar(&cfg.rawBasic, "raw-basic", "", "raw: id:secret for HTTP Basic")
	fs.Var(&cfg.rawHeaders, "raw-header", `raw: "Name: value" header (repeatable)`)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	u, err := url.Parse(*rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-url %q: want http://127.0.0.1:PORT", *rawURL)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("-url %q: only loopback addresses (127.0.0.1, ::1) may be targeted", *rawURL)
	}
	if u.Scheme == "https" && !slices.Equal(splitList(*scenarios), []string{"par"}) {
		return nil, fmt.Errorf("-url %q: https is for the par scenario only", *rawURL)
	}
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	cfg.base = u
	ids, secs := splitList(*projects), splitList(*secrets)
	if len(ids) != len(secs) {
		return nil, fmt.Errorf("-project has %d entries but -secret has %d", len(ids), len(secs))
	}
	for i := range ids {
		cfg.projects = append(cfg.projects, credentials{ids[i], secs[i]})
	}
	cfg.scenarios = splitList(*scenarios)
	if cfg.conns < 1 || cfg.conns > 1024 {
		return nil, fmt.Errorf("-c %d: want 1 to 1024", cfg.conns)
	}
	if cfg.duration <= 0 || cfg.warmup < 0 || cfg.duration+cfg.warmup > maxDuration {
		return nil, fmt.Errorf("-warmup plus -duration must be positive and at most %s", maxDuration)
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// runAll runs each scenario in order and prints one line per run.
func runAll(cfg *config, out io.Writer) error {
	fmt.Fprintf(out, "# %s  c=%d  warmup=%s  duration=%s  GOMAXPROCS(bench)=%d\n",
		cfg.base.Host, cfg.conns, cfg.warmup, cfg.duration, gomaxprocs())
	fmt.Fprintf(out, "%-28s %9s %8s %8s %8s %8s %7s %12s %10s %10s\n",
		"scenario", "req/s", "p50", "p90", "p99", "max", "errors", "srv CPU/req", "bench CPU", "other CPU")
	for _, s := range cfg.scenarios {
		var err error
		switch s {
		case "client_credentials":
			err = clientCredentials(cfg, out)
		case "session":
			err = session(cfg, out)
		case "jwks":
			err = jwks(cfg, out)
		case "connected_apps":
			err = connectedApps(cfg, out)
		case "par":
			err = par(cfg, out)
		case "raw":
			err = raw(cfg, out)
		default:
			err = fmt.Errorf("unknown scenario %q", s)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// measure runs t and prints its line.
func measure(cfg *config, out io.Writer, name string, t target) {
	measureWith(cfg, out, name, func() result { return run(t, cfg.conns, cfg.warmup, cfg.duration) })
}

// measureWith times one load run and prints its line; a "request" of the
// line is whatever one iteration of the run counts (a flow for
// connected_apps).
func measureWith(cfg *config, out io.Writer, name string, load func() result) {
	srv0, self0, busy0 := procCPU(cfg.serverPID), selfCPU(), machineBusy()
	res := load()
	srv, self, busy := procCPU(cfg.serverPID)-srv0, selfCPU()-self0, machineBusy()-busy0
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/1e6) }
	srvCPU := "-"
	if cfg.serverPID != 0 && res.requests > 0 {
		// Over warmup and measurement alike, so per completed request of
		// both phases: scale requests by the whole window.
		total := float64(res.requests) * float64(cfg.warmup+cfg.duration) / float64(cfg.duration)
		srvCPU = fmt.Sprintf("%.3fms", float64(srv)/1e6/total)
	}
	window := (cfg.warmup + cfg.duration).Seconds()
	other := "-"
	if cfg.serverPID != 0 {
		// Everything else the machine did meanwhile: the kernel's loopback
		// work not charged to the two processes, and any other program,
		// which would make this line unfit for comparison.
		other = fmt.Sprintf("%.2fc", (busy-srv-self).Seconds()/window)
	}
	fmt.Fprintf(out, "%-28s %9.0f %8s %8s %8s %8s %7d %12s %9.2fc %10s\n",
		name, res.rate(), ms(res.percentile(50)), ms(res.percentile(90)), ms(res.percentile(99)),
		ms(res.percentile(100)), res.errors, srvCPU, self.Seconds()/window, other)
	if res.firstErr != "" {
		fmt.Fprintf(out, "%-28s first error: %s\n", "", res.firstErr)
	}
}

// procCPU is the user+system CPU time of a process (0 if pid is 0 or its
// stat is unreadable). /proc/PID/stat fields 14 and 15 are in clock ticks,
// 100 per second on Linux, so the resolution is 10 ms.
func procCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; count from after ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	var utime, stime int64
	if _, err := fmt.Sscan(f[11]+" "+f[12], &utime, &stime); err != nil {
		return 0
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// machineBusy is the CPU time all CPUs spent not idle, from /proc/stat
// (clock ticks of 10 ms; 0 if unreadable).
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var busy int64
	for i, v := range f[1:] {
		var n int64
		if _, err := fmt.Sscan(v, &n); err != nil {
			return 0
		}
		if i != 3 && i != 4 && i < 8 { // not idle, not iowait; guest time is inside user
			busy += n
		}
	}
	return time.Duration(busy) * 10 * time.Millisecond
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru) // fails only for a bad who or pointer
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
