package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

// projectsList is `signet projects list`.
func projectsList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("projects list", stderr)
	var c common
	c.register(fs)
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, _, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer logClose(st, "database")
	ps, err := st.ListProjects(ctx)
	if err != nil {
		return err
	}
	type row struct {
		ID             string    `json:"project_id"`
		Name           string    `json:"name"`
		Vertical       string    `json:"vertical"`
		TokenAlg       string    `json:"token_alg"`
		CreatedAt      time.Time `json:"created_at"`
		SecretRotation bool      `json:"secret_rotation_in_progress"`
	}
	rows := make([]row, len(ps))
	for i, p := range ps {
		rows[i] = row{p.ID, p.Name, p.Vertical, p.TokenAlg, p.CreatedAt, len(p.NextSecretHash) > 0}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rows)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT ID\tNAME\tVERTICAL\tTOKEN ALG\tCREATED\tSECRET ROTATION")
	for _, r := range rows {
		rot := "-"
		if r.SecretRotation {
			rot = "in progress"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Vertical, r.TokenAlg, r.CreatedAt.Format(time.RFC3339), rot)
	}
	return tw.Flush()
}

// keysList is `signet keys list`: every published key of one project or
// all, its state, and whether it opens with the master key (a key that
// does not is left out of the JWKS and makes /readyz fail).
func keysList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keys list", stderr)
	var c common
	c.register(fs)
	project := fs.String("project", "", "project ID (default: every project)")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, ring, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer logClose(st, "database")
	ids := []string{*project}
	if *project == "" {
		ps, err := st.ListProjects(ctx)
		if err != nil {
			return err
		}
		ids = ids[:0]
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
	} else if _, err := st.Project(ctx, *project); err != nil {
		return fmt.Errorf("project %s: %w", *project, err)
	}
	type row struct {
		ProjectID   string     `json:"project_id"`
		KeyID       string     `json:"kid"`
		Alg         string     `json:"alg"`
		State       string     `json:"state"`
		ActivatesAt time.Time  `json:"activates_at"`
		RetiresAt   *time.Time `json:"retires_at,omitempty"`
		RemoveAt    *time.Time `json:"remove_at,omitempty"`
		Opens       bool       `json:"opens"`
	}
	sealer := keys.NewKeySealer(ring.Master)
	now := time.Now()
	var rows []row
	for _, id := range ids {
		ks, err := st.ProjectKeys(ctx, id, now)
		if err != nil {
			return err
		}
		for _, k := range ks {
			pt, err := sealer.Open(k.PrivateKey, k.ProjectID, k.ID, k.Alg)
			clear(pt)
			rows = append(rows, row{k.ProjectID, k.ID, k.Alg, keyState(k, now), k.ActivatesAt, k.RetiresAt, k.RemoveAt, err == nil})
		}
	}
	if *asJSON {
		if rows == nil {
			rows = []row{}
		}
		return json.NewEncoder(stdout).Encode(rows)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT ID\tKEY ID\tALG\tSTATE\tSIGNS FROM\tLEAVES JWKS\tOPENS")
	for _, r := range rows {
		leaves, opens := "-", "yes"
		if r.RemoveAt != nil {
			leaves = r.RemoveAt.Format(time.RFC3339)
		}
		if !r.Opens {
			opens = "NO (sealed under another master key, or altered)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ProjectID, r.KeyID, r.Alg, r.State, r.ActivatesAt.Format(time.RFC3339), leaves, opens)
	}
	return tw.Flush()
}

// keyState names where a key is in its lifecycle (internal/keys doc).
func keyState(k store.Key, now time.Time) string {
	switch {
	case now.Before(k.ActivatesAt):
		return "published"
	case k.RetiresAt != nil && !now.Before(*k.RetiresAt):
		return "retired"
	}
	return "signing"
}

// projectSecretRotate is `signet project secret rotate start|complete|cancel`.
func projectSecretRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const use = "usage: signet project secret rotate start|complete|cancel --project ID"
	if len(args) == 0 {
		return errors.New(use)
	}
	step := args[0]
	fs := newFlagSet("project secret rotate "+step, stderr)
	var c common
	c.register(fs)
	project := fs.String("project", "", "project ID (required)")
	if err := fs.parse(args[1:]); err != nil {
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
	record := func() {
		audit.New(st, audit.Options{}).Record(ctx, audit.Event{ProjectID: *project, Type: audit.ProjectSecretRotate,
			Actor: audit.ActorCLI, Subject: *project, Outcome: audit.Success, Details: map[string]string{"step": step}})
	}
	switch step {
	case "start":
		next, err := projects.StartSecretRotation(ctx, st, ring.Pepper, *project)
		if err != nil {
			return projectErr(*project, err)
		}
		record()
		fmt.Fprintf(stdout, "next secret: %s\n(shown only this once; the current secret works too until `signet project secret rotate complete`)\n", next)
		return nil
	case "complete":
		if err := projects.CompleteSecretRotation(ctx, st, *project); err != nil {
			return projectErr(*project, err)
		}
		record()
		fmt.Fprintln(stdout, "the next secret is now the only one (running servers stop taking the old one as they hear of it, within 30s at most)")
		return nil
	case "cancel":
		if err := projects.CancelSecretRotation(ctx, st, *project); err != nil {
			return projectErr(*project, err)
		}
		record()
		fmt.Fprintln(stdout, "rotation cancelled: the next secret no longer works, the current one stays")
		return nil
	}
	return errors.New(use)
}

func projectErr(id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no project %s", id)
	}
	return err
}
