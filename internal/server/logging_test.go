package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer a logger and the test may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// withLogger builds the server with a logger writing text to buf.
func withLogger(buf *syncBuffer, level slog.Level) func(*Config) {
	return func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: level}))
	}
}

// The writers log a fault's cause to the logger the server was built with
// (Config.Logger, carried by the request), not to the global slog default
// (issue 15, item 5): both error shapes, the Stytch envelope and OAuth's.
func TestFaultsLogToConfigLogger(t *testing.T) {
	var own, global syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&global, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	ts := newTestServer(t, withLogger(&own, slog.LevelInfo))
	// A closed database: every call that reaches it is a server fault.
	if err := ts.st.Close(); err != nil {
		t.Fatal(err)
	}
	resp, _ := ts.do(t, "GET", "/v1/users/user-test-00000000-0000-0000-0000-000000000000", "", "", true)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("management call on a closed store = %d, want 500", resp.StatusCode)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"m2m-client-test-x"}, "client_secret": {"x"}}
	resp, _ = ts.do(t, "POST", "/v1/oauth2/token", "application/x-www-form-urlencoded", form.Encode(), false)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("token call on a closed store = %d, want 500", resp.StatusCode)
	}

	logged := own.String()
	if n := strings.Count(logged, `msg="request failed"`); n != 2 {
		t.Errorf("the server's logger got %d fault lines, want 2:\n%s", n, logged)
	}
	if !strings.Contains(logged, "level=ERROR") || !strings.Contains(logged, "database is closed") {
		t.Errorf("the fault lines lack their level or cause:\n%s", logged)
	}
	if strings.Contains(global.String(), "request failed") {
		t.Errorf("a fault reached slog.Default():\n%s", global.String())
	}
}
