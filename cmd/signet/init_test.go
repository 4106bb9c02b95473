package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
)

// signet init makes a project of the vertical asked for, consumer unless
// told otherwise, and refuses any other.
func TestInitVertical(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "signet.db")
	common := []string{"--db", db, "--master-key", keys.GenerateMasterKey().Encode()}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, store.VerticalConsumer},
		{[]string{"--vertical", "b2b"}, store.VerticalB2B},
		{[]string{"--vertical", "consumer"}, store.VerticalConsumer},
	} {
		var out bytes.Buffer
		if err := run(t.Context(), append(append([]string{"init", "--json"}, tc.args...), common...), &out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		var p struct {
			ProjectID string `json:"project_id"`
			Vertical  string `json:"vertical"`
		}
		if err := json.Unmarshal(out.Bytes(), &p); err != nil || p.Vertical != tc.want {
			t.Fatalf("init %v = %s (%v), want vertical %s", tc.args, out.String(), err, tc.want)
		}
		st, err := openMigrated(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.Project(t.Context(), p.ProjectID)
		st.Close()
		if err != nil || got.Vertical != tc.want {
			t.Fatalf("stored project %+v, %v; want vertical %s", got, err, tc.want)
		}
	}
	err := run(t.Context(), append([]string{"init", "--vertical", "enterprise"}, common...), &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "--vertical") {
		t.Fatalf("init --vertical enterprise: %v", err)
	}
}
