package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serve --log-format json (or SIGNET_LOG_FORMAT=json) logs one JSON object
// per line, the access line of each request among them; anything but text
// or json is refused, naming the flag.
func TestServeLogFormat(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  string
		args []string
	}{
		{name: "flag", args: []string{"--log-format", "json"}},
		{name: "environment", env: "json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SIGNET_LOG_FORMAT", tt.env)
			done, log, _ := runServe(t, append([]string{"--db", "sqlite:" + t.TempDir() + "/x.db"}, tt.args...)...)
			addr := waitJSONListening(t, done, log)
			req, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
			req.Header.Set("X-Request-Id", "lb-7f3a:42")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if got := resp.Header.Get("X-Request-Id"); got != "lb-7f3a:42" {
				t.Errorf("X-Request-Id = %q, want the incoming one echoed", got)
			}
			line := waitJSONLine(t, log, func(m map[string]any) bool { return m["msg"] == "request" })
			for k, want := range map[string]any{"level": "INFO", "request_id": "lb-7f3a:42", "method": "GET",
				"route": "GET /healthz", "status": float64(200)} {
				if line[k] != want {
					t.Errorf("access line %s = %v, want %v (%v)", k, line[k], want, line)
				}
			}
			if _, ok := line["duration"].(float64); !ok {
				t.Errorf("access line lacks a numeric duration: %v", line)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		err := run(t.Context(), []string{"serve", "--log-format", "xml", "--db", "sqlite:" + t.TempDir() + "/x.db"}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--log-format") {
			t.Errorf("serve --log-format xml = %v, want an error naming --log-format", err)
		}
	})
}

// waitJSONListening waits for serve's JSON "signet listening" line and
// returns its address; every line until then must be a JSON object.
func waitJSONListening(t *testing.T, done <-chan error, log *syncBuffer) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if m := findJSONLine(t, log, func(m map[string]any) bool { return m["msg"] == "signet listening" }); m != nil {
			return m["addr"].(string)
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, log)
		case <-deadline:
			t.Fatalf("serve did not start:\n%s", log)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func waitJSONLine(t *testing.T, log *syncBuffer, match func(map[string]any) bool) map[string]any {
	t.Helper()
	for range 250 {
		if m := findJSONLine(t, log, match); m != nil {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no such log line:\n%s", log)
	return nil
}

// findJSONLine returns the first complete line of log matching; a line
// that is not a JSON object fails the test.
func findJSONLine(t *testing.T, log *syncBuffer, match func(map[string]any) bool) map[string]any {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(log.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		if match(m) {
			return m
		}
	}
	return nil
}

// serve --admin-addr serves /metrics (with signet_build_info) and health on
// its own listener, and /metrics no longer on --addr.
func TestServeAdminAddr(t *testing.T) {
	done, log, _ := runServe(t, "--db", "sqlite:"+t.TempDir()+"/x.db", "--admin-addr", "127.0.0.1:0", "--log-format", "json")
	addr := waitJSONListening(t, done, log)
	admin := waitJSONLine(t, log, func(m map[string]any) bool { return m["msg"] == "signet admin listening" })["addr"].(string)
	code := func(u string) (int, string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if c, _ := code("http://" + addr + "/metrics"); c != http.StatusNotFound {
		t.Errorf("/metrics on --addr = %d, want 404", c)
	}
	c, body := code("http://" + admin + "/metrics")
	if c != 200 || !strings.Contains(body, "signet_build_info{goversion=") || !strings.Contains(body, `signet_http_requests_total{code="404",method="GET",route="unmatched"} 1`) {
		t.Errorf("/metrics on --admin-addr = %d:\n%.3000s", c, body)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if c, _ := code("http://" + admin + path); c != 200 {
			t.Errorf("%s on --admin-addr = %d", path, c)
		}
		if c, _ := code("http://" + addr + path); c != 200 {
			t.Errorf("%s on --addr = %d", path, c)
		}
	}
}
