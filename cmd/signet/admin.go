package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

func initProject(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("init", stderr)
	var c common
	c.register(fs)
	name := fs.String("name", "Signet project", "project name")
	vertical := fs.String("vertical", store.VerticalConsumer, "the project's product line, for life: consumer (users) or b2b (organizations and members)")
	asJSON := fs.Bool("json", false, `print {"project_id": ..., "secret": ...}`)
	if err := fs.parse(args); err != nil {
		return err
	}
	if *vertical != store.VerticalConsumer && *vertical != store.VerticalB2B {
		return fmt.Errorf("--vertical is %s or %s, not %q", store.VerticalConsumer, store.VerticalB2B, *vertical)
	}
	st, ring, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer logClose(st, "database")
	p, secret, err := projects.CreateVertical(ctx, st, keys.NewManager(st, ring.Master, keys.Options{}), ring.Pepper, *name, *vertical, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{"project_id": p.ID, "secret": secret, "vertical": p.Vertical})
	}
	fmt.Fprintf(stdout, "project_id: %s\nsecret:     %s\nvertical:   %s\n(the secret is shown only this once)\n", p.ID, secret, p.Vertical)
	return nil
}

// migrate applies pending migrations, then checks the master key when one
// is set (or its dev file exists): migrations need no key, so a
// deployment job may run them without it.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	var c common
	c.register(fs)
	status := fs.Bool("status", false, "list the migrations and which are applied; change nothing")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *status {
		return migrateStatus(ctx, c.dsn(), stdout)
	}
	if c.haveMasterKey() {
		st, ring, err := c.open(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "migrations applied; master key %s\n", ring.KeyID)
		return st.Close()
	}
	st, err := openMigrated(ctx, c.dsn())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations applied (no master key set: not checked)")
	return st.Close()
}

func migrateStatus(ctx context.Context, dsn string, stdout io.Writer) error {
	st, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer logClose(st, "database")
	list, err := st.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MIGRATION\tAPPLIED")
	pending := 0
	for _, m := range list {
		at := "pending"
		if m.AppliedAt != nil {
			at = m.AppliedAt.Format(time.RFC3339)
		} else {
			pending++
		}
		fmt.Fprintf(tw, "%s\t%s\n", m.Name, at)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d pending\n", pending)
	return nil
}

func rotateKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keys rotate", stderr)
	var c common
	c.register(fs)
	project := fs.String("project", "", "project ID (required)")
	alg := fs.String("alg", "RS256", "algorithm of the key to rotate: RS256, PS256, ES256 or EdDSA")
	keyTTL := keyCacheTTLFlag(fs)
	delay := fs.Duration("publish-delay", 5*time.Minute,
		"how long the new key is published in the JWKS before it signs: at least --key-cache-ttl + 6s (refused otherwise), and longer than the JWKS caches of your clients (Signet's JWKS say max-age=60)")
	retain := fs.Duration("retain", 24*time.Hour,
		"how long the old key stays in the JWKS after the new one takes over (longer than any token it signed lives)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *project == "" {
		return fmt.Errorf("--project is required")
	}
	ttl, err := keyTTL()
	if err != nil {
		return err
	}
	if least := keys.MinPublishDelay(ttl); *delay < least {
		return fmt.Errorf("--publish-delay %v is too short: with --key-cache-ttl %v a server may not see the new key for up to %v after it is made, so it would sign before every server's JWKS serves it; use at least %v",
			*delay, ttl, least, least)
	}
	st, ring, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer logClose(st, "database")
	if _, err := st.Project(ctx, *project); err != nil {
		return fmt.Errorf("project %s: %w", *project, err)
	}
	k, err := keys.NewManager(st, ring.Master, keys.Options{CacheTTL: ttl}).Rotate(ctx, *project, *alg, *delay, *retain)
	if err != nil {
		return err
	}
	audit.New(st, audit.Options{}).Record(ctx, audit.Event{ProjectID: *project, Type: audit.SigningKeyRotate, Actor: audit.ActorCLI,
		Subject: k.ID, Outcome: audit.Success, Details: map[string]string{"alg": k.Alg}})
	fmt.Fprintf(stdout, "new %s key %s published now, signing from %s\n", k.Alg, k.ID, k.ActivatesAt.Format(time.RFC3339))
	return nil
}
