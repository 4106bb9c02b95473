package main

import (
	"context"
	"fmt"
	"io"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/token"
)

// projectSet changes a project's settings. Today: the access-token
// algorithm (M2M and, later, Connected Apps tokens). Session JWTs stay
// RS256 whatever is chosen, because the Stytch SDKs accept nothing else.
func projectSet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("project set", stderr)
	var c common
	c.register(fs)
	project := fs.String("project", "", "project ID (required)")
	alg := fs.String("token-alg", "", "access-token algorithm: RS256, PS256, ES256 or EdDSA (required)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *project == "" || *alg == "" {
		return fmt.Errorf("--project and --token-alg are required")
	}
	switch *alg {
	case keys.RS256, keys.PS256, keys.ES256, keys.EdDSA:
	default:
		return fmt.Errorf("--token-alg %q: want RS256, PS256, ES256 or EdDSA", *alg)
	}
	st, ring, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Project(ctx, *project); err != nil {
		return fmt.Errorf("project %s: %w", *project, err)
	}
	// The key first: a project must never name an algorithm it has no
	// key for, or every token request would fail until one appears.
	if err := keys.NewManager(st, ring.Master, keys.Options{}).EnsureKey(ctx, *project, *alg); err != nil {
		return err
	}
	if err := st.SetProjectTokenAlg(ctx, *project, *alg); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "project %s now signs access tokens with %s (running servers switch within %s)\n",
		*project, *alg, token.DefaultProjectTTL)
	return nil
}
