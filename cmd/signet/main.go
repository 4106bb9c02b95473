// Command signet is the Signet identity server and its admin commands.
//
//	signet serve     run the server (migrates first); --dev for a local demo
//	signet sandbox-bank  run a seeded test bank OP (see sandbox.go)
//	signet init      create a project (--vertical consumer|b2b) and print its credentials once
//	signet migrate   apply database migrations
//	signet keys rotate   rotate a project's signing key
//	signet project set   change a project's settings (access-token algorithm)
//	signet banks add|list|remove  manage a project's bank registry
//	signet master-key    print a fresh master key for SIGNET_MASTER_KEY
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: signet <command> [flags]

commands:
  serve        run the server (migrates the database first)
  sandbox-bank run a test bank (seeded customers and RP clients) for the bank flow
  init         create a project and print its ID and secret (shown once);
               --vertical b2b for organizations and members instead of users
  migrate      apply database migrations
  keys rotate  rotate a project's signing key
  project set  choose a project's access-token algorithm (--token-alg ES256)
  banks        add, list or remove a project's banks (add|list|remove)
  master-key   print a new random master key for SIGNET_MASTER_KEY

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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()})))
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "sandbox-bank":
		return sandboxBankCmd(ctx, args[1:], stdout, stderr)
	case "init":
		return initProject(ctx, args[1:], stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "keys":
		if len(args) < 2 || args[1] != "rotate" {
			return fmt.Errorf(`usage: signet keys rotate --project ID [--alg RS256]`)
		}
		return rotateKeys(ctx, args[2:], stdout, stderr)
	case "project":
		if len(args) < 2 || args[1] != "set" {
			return fmt.Errorf(`usage: signet project set --project ID --token-alg ES256`)
		}
		return projectSet(ctx, args[2:], stdout, stderr)
	case "banks":
		return banksCmd(ctx, args[1:], stdout, stderr)
	case "master-key":
		return printMasterKey(stdout)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("SIGNET_LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}
