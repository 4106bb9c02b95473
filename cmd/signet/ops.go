package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"
)

// backup is `signet backup --to FILE`: SQLite's online backup. A
// PostgreSQL database is backed up with its own tools.
func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", stderr)
	var c common
	c.register(fs)
	to := fs.String("to", "", "the backup file to write (must not exist)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if !strings.HasPrefix(c.dsn(), "sqlite:") {
		fmt.Fprint(stderr, `signet backup copies SQLite databases. Back up PostgreSQL with its own tools:
  pg_dump --format=custom --file=signet.dump "$SIGNET_DB"     (restore: pg_restore --dbname=... signet.dump)
or the continuous archiving of your PostgreSQL service. Either way, keep the master key
(SIGNET_MASTER_KEY) apart from the backup: the backup is useless without it, and anyone
with both has every signing key.
`)
		return errors.New("backup: not a SQLite database")
	}
	if *to == "" {
		return errors.New("--to is required")
	}
	if _, err := os.Stat(*to); err == nil {
		return fmt.Errorf("--to %s exists; give a new file", *to)
	}
	var st migrator
	keyID := ""
	if c.haveMasterKey() {
		s, ring, err := c.open(ctx)
		if err != nil {
			return err
		}
		st, keyID = s, ring.KeyID
	} else {
		s, err := openStore(ctx, c.dsn())
		if err != nil {
			return err
		}
		st = s
		if check, err := s.MasterKeyCheck(ctx); err == nil {
			keyID = check.KeyID
		}
	}
	defer logClose(st, "database")
	b, ok := st.(interface {
		Backup(ctx context.Context, path string) error
	})
	if !ok {
		return errors.New("backup: this store cannot back up")
	}
	if err := b.Backup(ctx, *to); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", *to)
	if keyID != "" {
		fmt.Fprintf(stdout, "it is sealed under master key %s: keep that key (apart from the backup) to restore it\n", keyID)
	}
	return nil
}

// healthcheck is `signet healthcheck`: exit 0 when the server's /readyz
// answers 200. Container images without curl use it for HEALTHCHECK.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("healthcheck", stderr)
	var addr string
	fs.stringSetting(&addr, "addr", "127.0.0.1:8080", "the server's listen address (an unspecified host means this machine)")
	u := fs.String("url", "", "the URL to ask instead (default http://<addr>/readyz)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *u == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("--addr %q: %w", addr, err)
		}
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		*u = "http://" + net.JoinHostPort(host, port) + "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprintf(stdout, "%s %s\n", resp.Status, strings.TrimSpace(string(body)))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: not ready (%s)", resp.Status)
	}
	return nil
}

// version and revision are stamped by scripts/release.sh
// (-ldflags "-X main.version=... -X main.revision=..."); without them the
// build info of the module and of VCS stands in.
var version, revision string

// buildVersion is the version and revision `signet version` prints,
// without the "(modified)" note: for signet_build_info.
func buildVersion() (v, rev string) {
	v, rev = version, revision
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && rev == "" {
				rev = s.Value
			}
		}
	}
	return v, rev
}

// printVersion is `signet version`.
func printVersion(stdout io.Writer) error {
	v, rev, at, modified := version, revision, "", false
	goVersion := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if v == "" {
			v = bi.Main.Version // "(devel)" for a build from a work tree
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	fmt.Fprintf(stdout, "signet %s\n", v)
	if rev == "" {
		rev = "unknown (built without VCS information)"
	} else if modified {
		rev += " (modified)"
	}
	fmt.Fprintf(stdout, "revision: %s\n", rev)
	if at != "" {
		fmt.Fprintf(stdout, "committed: %s\n", at)
	}
	fmt.Fprintf(stdout, "go: %s\n", goVersion)
	return nil
}
