package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/store"
)

const clientsUsage = `usage: signet clients registration-token create --project ID [--max-uses 1] [--expires-in 24h] [--json]`

// clientsCmd dispatches `signet clients ...`: for now the initial access
// tokens of dynamic client registration (RFC 7591 §3).
func clientsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "registration-token" || args[1] != "create" {
		return errors.New(clientsUsage)
	}
	return registrationTokenCreate(ctx, args[2:], stdout, stderr)
}

// registrationTokenCreate makes an initial access token and prints it,
// once: only its hash is stored.
func registrationTokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("clients registration-token create", stderr)
	var c common
	c.register(fs)
	project := fs.String("project", "", "project ID (required)")
	uses := fs.Int("max-uses", apps.DefaultRegistrationTokenUses, "how many clients the token may register (1 to 1000)")
	ttl := fs.Duration("expires-in", apps.DefaultRegistrationTokenTTL, "how long the token is good for (1m to 720h)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *project == "" {
		return errors.New("--project is required")
	}
	st, ring, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer logClose(st, "database")
	if _, err := st.Project(ctx, *project); err != nil {
		return fmt.Errorf("project %s: %w", *project, err)
	}
	t, tok, err := apps.NewRegistrationToken(ring.Pepper, *project, *uses, *ttl, time.Now())
	if err != nil {
		return fmt.Errorf("--max-uses, --expires-in: %w", err)
	}
	if err := st.CreateRegistrationToken(ctx, t); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{
			"registration_token_id": t.ID, "token": tok, "max_uses": t.MaxUses, "expires_at": t.ExpiresAt.UTC(),
		})
	}
	fmt.Fprintf(stdout, "initial access token %s (shown once; %d use(s), until %s):\n%s\n",
		t.ID, t.MaxUses, t.ExpiresAt.UTC().Format(time.RFC3339), tok)
	return nil
}

// setRegistration applies project set's --open-registration ("", true or
// false) and --software-statement-keys ("", a JWK Set file or none) to p.
func setRegistration(ctx context.Context, st store.Store, p store.Project, open, keysFile string, stdout io.Writer) error {
	policy := p.Registration
	if open != "" {
		v, err := strconv.ParseBool(open)
		if err != nil {
			return fmt.Errorf("--open-registration %q: want true or false", open)
		}
		policy.Open = v
	}
	switch keysFile {
	case "":
	case "none":
		policy.SoftwareStatementKeys = ""
	default:
		b, err := os.ReadFile(keysFile)
		if err != nil {
			return fmt.Errorf("--software-statement-keys: %w", err)
		}
		if _, err := apps.ParseSoftwareStatementKeys(string(b)); err != nil {
			return fmt.Errorf("--software-statement-keys %s: %w", keysFile, err)
		}
		policy.SoftwareStatementKeys = string(b)
	}
	if err := st.SetProjectRegistration(ctx, p.ID, policy); err != nil {
		return err
	}
	audit.New(st, audit.Options{}).Record(ctx, audit.Event{ProjectID: p.ID, Type: audit.ProjectUpdate, Actor: audit.ActorCLI,
		Subject: p.ID, Outcome: audit.Success, Details: map[string]string{
			"open_registration": strconv.FormatBool(policy.Open), "software_statement_keys": strconv.FormatBool(policy.SoftwareStatementKeys != ""),
		}})
	fmt.Fprintf(stdout, "project %s: open registration %v, software statement keys %s\n", p.ID, policy.Open,
		map[bool]string{true: "set", false: "none"}[policy.SoftwareStatementKeys != ""])
	return nil
}
