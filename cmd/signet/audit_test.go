package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testdb"
)

// The admin commands that change secrets and keys are in the audit log,
// done by "cli": project secret rotation steps and signing-key rotation
// under their project, master-key rotation as an event of the instance;
// the sweeper purges events past --audit-retention, which must be
// positive.
func TestAuditFromCLI(t *testing.T) {
	db := testdb.DSN(t)
	old, next := keys.GenerateMasterKey(), keys.GenerateMasterKey()
	t.Setenv("SIGNET_MASTER_KEY", old.Encode())
	t.Setenv("SIGNET_DB", db)
	t.Setenv("SIGNET_KEY_CACHE_TTL", "1s")
	id, _ := initJSON(t)
	for _, args := range [][]string{
		{"project", "secret", "rotate", "start", "--project", id},
		{"project", "secret", "rotate", "cancel", "--project", id},
		{"keys", "rotate", "--project", id, "--alg", "ES256", "--publish-delay", "7s"},
		{"project", "set", "--project", id, "--token-alg", "ES256"},
		{"master-key", "rotate", "--new-master-key", next.Encode()},
	} {
		if out, _, err := cli(t, args...); err != nil {
			t.Fatalf("%v: %s %v", args, out, err)
		}
	}
	st := testdb.OpenDSN(t, db)
	list := func(project string) []string {
		t.Helper()
		res, err := st.AuditEvents(t.Context(), project, store.AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range res.Events {
			if e.Actor != "cli" || e.Outcome != "success" || e.ClientIP != "" || e.Subject == "" {
				t.Errorf("event %+v", e)
			}
			got = append(got, e.Type+" "+string(e.Details))
		}
		return got
	}
	want := `project_secret_rotate {"step":"start"}|project_secret_rotate {"step":"cancel"}|signing_key_rotate {"alg":"ES256"}|project_update {"token_alg":"ES256"}`
	if got := strings.Join(list(id), "|"); got != want {
		t.Errorf("project events:\n%s\nwant\n%s", got, want)
	}
	if got := list(""); len(got) != 1 || !strings.HasPrefix(got[0], "master_key_rotate ") {
		t.Errorf("instance events: %v", got)
	}

	sweepOnce(t.Context(), st, time.Now().Add(89*24*time.Hour), defaultAuditRetention)
	if got := list(id); len(got) != 4 {
		t.Errorf("within the retention, %d events were left, want 4", len(got))
	}
	sweepOnce(t.Context(), st, time.Now().Add(91*24*time.Hour), defaultAuditRetention)
	if got := append(list(id), list("")...); len(got) != 0 {
		t.Errorf("past the retention, events are left: %v", got)
	}

	for _, v := range []string{"0s", "-1h"} {
		err := run(t.Context(), []string{"serve", "--audit-retention", v}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--audit-retention") {
			t.Errorf("--audit-retention %s: %v", v, err)
		}
	}
}
