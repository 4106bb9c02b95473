package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/token"
)

// projectSet changes a project's settings: the access-token algorithm
// (M2M and Connected Apps tokens; session JWTs stay RS256 whatever is
// chosen, because the Stytch SDKs accept nothing else), and the trust
// anchors of its tls_client_auth clients, and how it takes dynamic client
// registrations (open or with initial access tokens only, and the
// directories whose software statements it trusts).
func projectSet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("project set", stderr)
	var c common
	c.register(fs)
	project := fs.String("project", "", "project ID (required)")
	alg := fs.String("token-alg", "", "access-token algorithm: RS256, PS256, ES256 or EdDSA")
	anchorsFile := fs.String("tls-client-auth-trust-anchors", "",
		"PEM file of the CA certificates tls_client_auth client certificates must chain to (RFC 8705 §2.1); none removes them")
	openReg := fs.String("open-registration", "",
		"true lets anyone register a Connected App at the project's registration endpoint without an initial access token (RFC 7591 §3); false (the default) requires one")
	statementKeys := fs.String("software-statement-keys", "",
		"JWK Set file of the directory keys whose software statements (RFC 7591 §2.3) the project trusts; none removes them")
	keyTTL := keyCacheTTLFlag(fs)
	if err := fs.parse(args); err != nil {
		return err
	}
	if *project == "" || (*alg == "" && *anchorsFile == "" && *openReg == "" && *statementKeys == "") {
		return fmt.Errorf("--project and at least one of --token-alg, --tls-client-auth-trust-anchors, --open-registration and --software-statement-keys are required")
	}
	ttl, err := keyTTL()
	if err != nil {
		return err
	}
	switch *alg {
	case "", keys.RS256, keys.PS256, keys.ES256, keys.EdDSA:
	default:
		return fmt.Errorf("--token-alg %q: want RS256, PS256, ES256 or EdDSA", *alg)
	}
	anchors, err := readTrustAnchors(*anchorsFile)
	if err != nil {
		return err
	}
	st, ring, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer logClose(st, "database")
	p, err := st.Project(ctx, *project)
	if err != nil {
		return fmt.Errorf("project %s: %w", *project, err)
	}
	if *openReg != "" || *statementKeys != "" {
		if err := setRegistration(ctx, st, p, *openReg, *statementKeys, stdout); err != nil {
			return err
		}
	}
	if *anchorsFile != "" {
		if err := st.SetProjectTrustAnchors(ctx, *project, anchors); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "project %s: tls_client_auth trust anchors set (%d bytes)\n", *project, len(anchors))
	}
	if *alg == "" {
		return nil
	}
	return switchTokenAlg(ctx, st, ring.Master, *project, *alg, ttl, stdout)
}

// switchTokenAlg makes project sign access tokens with alg, once its key
// is published everywhere.
func switchTokenAlg(ctx context.Context, st store.Store, master keys.MasterKey, project, alg string, ttl time.Duration, stdout io.Writer) error {
	// The key first, published before it signs: a project must never name
	// an algorithm it has no signing key for, or every token request would
	// fail until one signs. Projects have RS256, PS256 and ES256 keys from
	// their creation; an EdDSA key made now signs only once every server
	// serves it (keys.MinPublishDelay), and this waits until then (and
	// for clocks that run late) before it switches.
	km := keys.NewManager(st, master, keys.Options{CacheTTL: ttl})
	if err := km.EnsureKey(ctx, project, alg); err != nil {
		return err
	}
	from, err := km.SignsFrom(ctx, project, alg)
	if err != nil {
		return err
	}
	if wait := time.Until(from.Add(keys.MaxClockSkew)); wait > 0 {
		fmt.Fprintf(stdout, "new %s key published; waiting %s until every server serves it before switching\n", alg, wait.Round(time.Second))
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted: the key is published, the algorithm unchanged (run this again)")
		case <-time.After(wait):
		}
	}
	if err := st.SetProjectTokenAlg(ctx, project, alg); err != nil {
		return err
	}
	audit.New(st, audit.Options{}).Record(ctx, audit.Event{ProjectID: project, Type: audit.ProjectUpdate, Actor: audit.ActorCLI,
		Subject: project, Outcome: audit.Success, Details: map[string]string{"token_alg": alg}})
	fmt.Fprintf(stdout, "project %s now signs access tokens with %s (running servers switch as they hear of it, within %s at most)\n",
		project, alg, token.DefaultProjectTTL)
	return nil
}

// readTrustAnchors reads --tls-client-auth-trust-anchors: a PEM file of
// certificates, checked as the management API checks a client's, or
// "none" for none.
func readTrustAnchors(file string) (string, error) {
	switch file {
	case "", "none":
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--tls-client-auth-trust-anchors: %w", err)
	}
	if _, err := apps.ParseTrustAnchors(string(b)); err != nil {
		return "", fmt.Errorf("--tls-client-auth-trust-anchors %s %w", file, err)
	}
	return string(b), nil
}
