package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/keyring"
	"github.com/signet-id/signet/internal/keys"
)

const masterKeyUsage = `usage:
  signet master-key            print a new random master key (for SIGNET_MASTER_KEY)
  signet master-key id         print the ID of the master key set ("mk-…"), as the database and errors name it
  signet master-key rotate --new-master-key KEY
                               re-seal every signing key and bank credential under a new key
                               (stop every server first; see docs/operations.md)

Run "signet master-key id -h" or "signet master-key rotate -h" for their flags.
`

// masterKeyCmd is `signet master-key`: a new key, a key's ID, or a
// rotation of the database to a new key (internal/keyring).
func masterKeyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "new" {
		fmt.Fprintln(stdout, keys.GenerateMasterKey().Encode())
		return nil
	}
	switch args[0] {
	case "id":
		return masterKeyID(args[1:], stdout, stderr)
	case "rotate":
		return masterKeyRotate(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, masterKeyUsage)
		return nil
	}
	fmt.Fprint(stderr, masterKeyUsage)
	return fmt.Errorf("master-key: unknown subcommand %q", args[0])
}

func masterKeyID(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("master-key id", stderr)
	var c common
	c.register(fs)
	if err := fs.parse(args); err != nil {
		return err
	}
	mk, err := c.loadMasterKey()
	if err != nil {
		return err
	}
	from := c.fs.origin["master-key"]
	if from == "" {
		from = c.masterKeyPath()
	}
	fmt.Fprintf(stdout, "%s (from %s)\n", keyring.ID(mk), from)
	return nil
}

// rotateOpts are master-key rotate's settings.
type rotateOpts struct {
	common
	newKey string
}

// registerRotate defines master-key rotate's flags.
func registerRotate(fs *flagSet) *rotateOpts {
	o := &rotateOpts{}
	o.register(fs)
	fs.secretStringSetting(&o.newKey, "new-master-key", "the new base64 master `KEY` (make one with: signet master-key)")
	return o
}

func masterKeyRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("master-key rotate", stderr)
	o := registerRotate(fs)
	if err := fs.parse(args); err != nil {
		return err
	}
	if o.newKey == "" {
		return errors.New("--new-master-key (or SIGNET_NEW_MASTER_KEY) is required; make a key with `signet master-key`")
	}
	next, err := keys.ParseMasterKey(o.newKey)
	if err != nil {
		return fmt.Errorf("the new master key: %w", err)
	}
	old, err := o.loadMasterKey()
	if err != nil {
		return err
	}
	st, err := openMigrated(ctx, o.dsn())
	if err != nil {
		return err
	}
	defer logClose(st, "database")
	if _, err := o.unlock(ctx, st, old); err != nil {
		return err
	}
	r, err := keyring.Rotate(ctx, st, old, next, time.Now())
	if err != nil {
		return err
	}
	audit.New(st, audit.Options{}).Record(ctx, audit.Event{Type: audit.MasterKeyRotate, Actor: audit.ActorCLI,
		Subject: r.To, Outcome: audit.Success, Details: map[string]string{"from": r.From}})
	fmt.Fprintf(stdout, "re-sealed %d signing keys and bank credentials under master key %s (was %s)\n", r.Resealed, r.To, r.From)
	if o.fs.origin["master-key"] == "" {
		fmt.Fprintf(stdout, "the old key came from %s: replace its content with the new key\n", o.masterKeyPath())
	}
	fmt.Fprintln(stdout, "now set SIGNET_MASTER_KEY to the new key wherever Signet runs and restart every server: one still on the old key reports not ready")
	return nil
}
