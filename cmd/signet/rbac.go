package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/signet-id/signet/internal/rbac"
)

// rbacCmd is "signet rbac get|set": a project's RBAC policy, read or
// replaced whole (the management API's PUT /v1/rbac/policy, from a file).
func rbacCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = `usage: signet rbac get --project ID | signet rbac set --project ID --file policy.json`
	if len(args) == 0 || (args[0] != "get" && args[0] != "set") {
		return fmt.Errorf("%s", usage)
	}
	fs := newFlagSet("rbac "+args[0], stderr)
	var c common
	c.register(fs)
	project := fs.String("project", "", "project ID (required)")
	file := fs.String("file", "", "set: the policy document (Stytch's shape: roles, resources, scopes), as rbac get prints it")
	if err := fs.parse(args[1:]); err != nil {
		return err
	}
	if *project == "" || (args[0] == "set") != (*file != "") {
		return fmt.Errorf("%s", usage)
	}
	var doc []byte
	if *file != "" {
		var err error
		if doc, err = os.ReadFile(*file); err != nil {
			return err
		}
	}
	st, _, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer logClose(st, "database")
	p, err := st.Project(ctx, *project)
	if err != nil {
		return fmt.Errorf("project %s: %w", *project, err)
	}
	policies := rbac.NewService(st, nil)
	var compiled *rbac.Compiled
	if doc != nil {
		if compiled, err = policies.SetPolicy(ctx, p, doc); err != nil {
			return fmt.Errorf("%s: nothing saved: %w", *file, err)
		}
		fmt.Fprintf(stderr, "project %s: policy set (%d roles, %d resources, %d scopes); running servers use it as they hear of it, within %s at most\n",
			p.ID, len(compiled.Policy.Roles), len(compiled.Policy.Resources), len(compiled.Policy.Scopes), rbac.CacheTTL)
	} else if compiled, err = policies.Policy(ctx, p); err != nil {
		return err
	}
	out, err := json.MarshalIndent(compiled.Policy, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}
