package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

func initProject(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	name := fs.String("name", "Signet project", "project name")
	vertical := fs.String("vertical", store.VerticalConsumer, "the project's product line, for life: consumer (users) or b2b (organizations and members)")
	asJSON := fs.Bool("json", false, `print {"project_id": ..., "secret": ...}`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *vertical != store.VerticalConsumer && *vertical != store.VerticalB2B {
		return fmt.Errorf("--vertical is %s or %s, not %q", store.VerticalConsumer, store.VerticalB2B, *vertical)
	}
	st, mk, err := c.openAdmin(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	p, secret, err := projects.CreateVertical(ctx, st, keys.NewManager(st, mk, keys.Options{}), pepperFrom(mk), *name, *vertical, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{"project_id": p.ID, "secret": secret, "vertical": p.Vertical})
	}
	fmt.Fprintf(stdout, "project_id: %s\nsecret:     %s\nvertical:   %s\n(the secret is shown only this once)\n", p.ID, secret, p.Vertical)
	return nil
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openMigrated(ctx, c.db)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations applied")
	return st.Close()
}

func rotateKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	project := fs.String("project", "", "project ID (required)")
	alg := fs.String("alg", "RS256", "algorithm of the key to rotate: RS256, PS256, ES256 or EdDSA")
	keyTTL := keyCacheTTLFlag(fs)
	delay := fs.Duration("publish-delay", 5*time.Minute,
		"how long the new key is published in the JWKS before it signs: at least --key-cache-ttl + 6s (refused otherwise), and longer than the JWKS caches of your clients (Signet's JWKS say max-age=60)")
	retain := fs.Duration("retain", 24*time.Hour,
		"how long the old key stays in the JWKS after the new one takes over (longer than any token it signed lives)")
	if err := fs.Parse(args); err != nil {
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
	st, mk, err := c.openAdmin(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Project(ctx, *project); err != nil {
		return fmt.Errorf("project %s: %w", *project, err)
	}
	k, err := keys.NewManager(st, mk, keys.Options{CacheTTL: ttl}).Rotate(ctx, *project, *alg, *delay, *retain)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "new %s key %s published now, signing from %s\n", k.Alg, k.ID, k.ActivatesAt.Format(time.RFC3339))
	return nil
}

func printMasterKey(stdout io.Writer) error {
	fmt.Fprintln(stdout, keys.GenerateMasterKey().Encode())
	return nil
}
