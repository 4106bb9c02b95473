package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/testdb"
)

// runServe runs serve with args (and a master key, on a free port) and
// returns the channel its result arrives on and its log.
func runServe(t *testing.T, args ...string) (<-chan error, *syncBuffer, context.CancelFunc) {
	t.Helper()
	for _, env := range []string{"SIGNET_STORE_TIMEOUT", "SIGNET_DB_WAIT", "SIGNET_ADDR", "SIGNET_ISSUER", "SIGNET_MTLS_ADDR"} {
		t.Setenv(env, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var log syncBuffer
	done, exited := make(chan error, 1), make(chan struct{})
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--master-key", keys.GenerateMasterKey().Encode()}, args...)
	go func() {
		done <- run(ctx, args, io.Discard, &log)
		close(exited)
	}()
	t.Cleanup(func() {
		cancel()
		<-exited
	})
	return done, &log, cancel
}

var listeningRE = regexp.MustCompile(`msg="signet listening" addr=(\S+)`)

// serve started while PostgreSQL refuses connections keeps trying
// (--db-wait) and comes up, ready, once the database accepts them.
func TestServeWaitsForDatabase(t *testing.T) {
	if os.Getenv(testdb.EnvPostgres) == "" {
		t.Skip(testdb.EnvPostgres + " is not set: only a database server can be down at start-up")
	}
	proxy, dsn := testdb.ProxyURL(t, testdb.DSN(t))
	proxy.Refuse()
	done, log, _ := runServe(t, "--db", dsn, "--db-wait", "5m")
	deadline := time.After(2 * time.Minute)
	for proxy.Accepts() < 2 { // it tried, and tried again
		select {
		case err := <-done:
			t.Fatalf("serve gave up: %v\n%s", err, log)
		case <-deadline:
			t.Fatalf("serve did not retry:\n%s", log)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !strings.Contains(log.String(), "database not reachable yet; retrying") {
		t.Errorf("no retry logged:\n%s", log)
	}
	proxy.Resume()
	var m []string
	for m == nil {
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, log)
		case <-deadline:
			t.Fatalf("serve did not come up:\n%s", log)
		case <-time.After(20 * time.Millisecond):
			m = listeningRE.FindStringSubmatch(log.String())
		}
	}
	resp, err := http.Get("http://" + m[1] + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("readyz = %d", resp.StatusCode)
	}
}

// The wait is bounded: a database that never comes up makes serve fail
// (saying how long it tried), not hang.
func TestServeGivesUpOnDatabase(t *testing.T) {
	if os.Getenv(testdb.EnvPostgres) == "" {
		t.Skip(testdb.EnvPostgres + " is not set: only a database server can be down at start-up")
	}
	proxy, dsn := testdb.ProxyURL(t, testdb.DSN(t))
	proxy.Refuse()
	done, log, _ := runServe(t, "--db", dsn, "--db-wait", "1s")
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "database not reachable after") {
			t.Errorf("serve = %v, want it to give up on the database", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("serve still waiting:\n%s", log)
	}
}

// The flags are checked, and their environment variables are read.
func TestServeDeadlineFlags(t *testing.T) {
	for _, tt := range []struct {
		env, args []string
		want      string
	}{
		{nil, []string{"--store-timeout", "0s"}, "--store-timeout must be positive"},
		{nil, []string{"--db-wait", "-1s"}, "--db-wait not negative"},
		{[]string{"SIGNET_STORE_TIMEOUT", "soon"}, nil, "SIGNET_STORE_TIMEOUT"},
		{[]string{"SIGNET_DB_WAIT", "5"}, nil, "SIGNET_DB_WAIT"},
	} {
		t.Run(strings.Join(append(tt.env, tt.args...), " "), func(t *testing.T) {
			t.Setenv("SIGNET_STORE_TIMEOUT", "")
			t.Setenv("SIGNET_DB_WAIT", "")
			if tt.env != nil {
				t.Setenv(tt.env[0], tt.env[1])
			}
			err := run(t.Context(), append([]string{"serve", "--db", "sqlite:" + t.TempDir() + "/x.db"}, tt.args...), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("serve = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}
