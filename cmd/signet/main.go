// Command signet is the Signet identity server and its admin commands.
//
//	signet serve         run the server (migrates first); --dev for a local demo
//	signet sandbox-bank  run a seeded test bank OP (see sandbox.go)
//	signet init          create a project (--vertical consumer|b2b) and print its credentials once
//	signet migrate       apply database migrations (--status: list them)
//	signet projects list list the projects
//	signet project set   change a project's settings (access-token algorithm)
//	signet project secret rotate start|complete|cancel   rotate a project's API secret
//	signet keys list|rotate   list or rotate a project's signing keys
//	signet banks add|list|remove  manage a project's bank registry
//	signet clients registration-token create  an initial access token for dynamic client registration
//	signet master-key [id|rotate] a new master key, its ID, or re-seal the database under a new one
//	signet backup        copy a SQLite database online
//	signet healthcheck   ask a running server's /readyz (for container health checks)
//	signet version       the build's version and VCS revision
//
// Settings come from flags, SIGNET_* variables and a YAML config file
// (settings.go; docs/configuration.md).
package main

//go:generate go test -run TestConfigurationDoc -update

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: signet <command> [flags]

commands:
  serve          run the server (migrates the database first); --dev for a local demo
  sandbox-bank   run a test bank (seeded customers and RP clients) for the bank flow
  init           create a project and print its ID and secret (shown once);
                 --vertical b2b for organizations and members instead of users
  migrate        apply database migrations; --status lists them
  projects list  list the projects
  project set    choose a project's access-token algorithm (--token-alg ES256), tls_client_auth
                 trust anchors, open registration and trusted software statement keys
  project secret rotate start|complete|cancel
                 rotate a project's API secret in two phases
  keys list      list signing keys, their state and whether they open
  keys rotate    rotate a project's signing key
  banks          add, list or remove a project's banks (add|list|remove)
  rbac           print a project's RBAC policy (get) or replace it from a file (set --file)
  clients registration-token create
                 an initial access token for dynamic client registration (RFC 7591), shown once
  master-key     print a new master key; "id" names the one set; "rotate" re-seals the database
  backup         copy a SQLite database while it is in use (--to FILE)
  healthcheck    exit 0 when the server at --addr is ready (for container health checks)
  version        print the version and VCS revision of this build

Settings: flags, SIGNET_* environment variables, or a YAML file (--config); see docs/configuration.md.
Run "signet <command> -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "signet:", err)
		os.Exit(1)
	}
}

// run runs one command. -h prints its help and is not an error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	slog.SetDefault(newLogger(stderr, logLevel(), logFormat()))
	sub := ""
	if len(args) > 1 {
		sub = args[1]
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "sandbox-bank":
		return sandboxBankCmd(ctx, args[1:], stdout, stderr)
	case "init":
		return initProject(ctx, args[1:], stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "projects":
		if sub != "list" {
			return fmt.Errorf(`usage: signet projects list [--json]`)
		}
		return projectsList(ctx, args[2:], stdout, stderr)
	case "keys":
		return keysCmd(ctx, sub, args, stdout, stderr)
	case "project":
		return projectCmd(ctx, sub, args, stdout, stderr)
	case "banks":
		return banksCmd(ctx, args[1:], stdout, stderr)
	case "rbac":
		return rbacCmd(ctx, args[1:], stdout, stderr)
	case "clients":
		return clientsCmd(ctx, args[1:], stdout, stderr)
	case "master-key":
		return masterKeyCmd(ctx, args[1:], stdout, stderr)
	case "backup":
		return backup(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		return printVersion(stdout)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// logFormat is SIGNET_LOG_FORMAT for every command; "text" unless it
// says "json" (serve checks its --log-format strictly).
func logFormat() string {
	if os.Getenv("SIGNET_LOG_FORMAT") == "json" {
		return "json"
	}
	return "text"
}

// newLogger logs to w at level, as JSON lines (one object per line, for
// log shippers) or as slog's key=value text.
func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("SIGNET_LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// keysCmd dispatches `signet keys list|rotate`.
func keysCmd(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	switch sub {
	case "rotate":
		return rotateKeys(ctx, args[2:], stdout, stderr)
	case "list":
		return keysList(ctx, args[2:], stdout, stderr)
	}
	return fmt.Errorf(`usage: signet keys list [--project ID] | signet keys rotate --project ID [--alg RS256]`)
}

// projectCmd dispatches `signet project set` and `signet project secret rotate`.
func projectCmd(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	switch {
	case sub == "set":
		return projectSet(ctx, args[2:], stdout, stderr)
	case sub == "secret" && len(args) > 2 && args[2] == "rotate":
		return projectSecretRotate(ctx, args[3:], stdout, stderr)
	}
	return fmt.Errorf(`usage: signet project set --project ID --token-alg ES256 | signet project secret rotate start|complete|cancel --project ID`)
}
