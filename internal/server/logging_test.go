package server

import (
	"bytes"
	"encoding/json"
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

// accessLines returns the JSON access lines ("request") logged to buf.
func accessLines(t *testing.T, buf *syncBuffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	return lines
}

// Every request logs one info-level access line: request ID, method, route
// pattern, status, duration and, once it authenticated (project Basic
// credentials, or a client at the token endpoint), the project. The
// request's ID is the incoming X-Request-Id when well-formed, a fresh one
// otherwise, and is sent back in X-Request-Id and in the body.
func TestAccessLineAndRequestID(t *testing.T) {
	var buf syncBuffer
	ts := newTestServer(t, func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
	})
	resp, out := ts.do(t, "POST", "/v1/m2m/clients", "application/json", `{"client_name":"svc","scopes":["read:x"]}`, true)
	if resp.StatusCode != 200 {
		t.Fatalf("create m2m client: %d %v", resp.StatusCode, out)
	}
	m2m := out["m2m_client"].(map[string]any)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {m2m["client_id"].(string)},
		"client_secret": {m2m["client_secret"].(string)}}.Encode()

	long := strings.Repeat("a", 129)
	tests := []struct {
		name, method, path, contentType, body, requestID string
		auth                                             bool
		wantID                                           string // "" = a fresh one
		route                                            string
		status                                           int
		project                                          bool
	}{
		{name: "management call, its ID kept", method: "GET", path: "/v1/users/user-test-nope", requestID: "req-1.A_b:c",
			auth: true, wantID: "req-1.A_b:c", route: "GET /v1/users/{user_id}", status: 404, project: true},
		{name: "authenticated management call", method: "POST", path: "/v1/users/search", contentType: "application/json",
			body: `{}`, auth: true, requestID: long[:128], wantID: long[:128], route: "POST /v1/users/search", status: 200, project: true},
		{name: "wrong credentials: no project", method: "POST", path: "/v1/users/search", contentType: "application/json",
			body: `{}`, route: "POST /v1/users/search", status: 401},
		{name: "token endpoint", method: "POST", path: "/v1/oauth2/token", contentType: "application/x-www-form-urlencoded",
			body: form, route: "POST /v1/oauth2/token", status: 200, project: true},
		{name: "129 characters replaced", method: "GET", path: "/healthz", requestID: long, route: "GET /healthz", status: 200},
		{name: "space replaced", method: "GET", path: "/healthz", requestID: "a b", route: "GET /healthz", status: 200},
		{name: "quote replaced", method: "GET", path: "/healthz", requestID: `a"b`, route: "GET /healthz", status: 200},
		{name: "unmatched", method: "GET", path: "/v1/nope", requestID: "x", wantID: "x", route: "unmatched", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(accessLines(t, &buf))
			req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.requestID != "" {
				req.Header.Set("X-Request-Id", tt.requestID)
			}
			if tt.auth {
				req.SetBasicAuth(ts.projectID, ts.secret)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			id := resp.Header.Get("X-Request-Id")
			switch {
			case tt.wantID != "" && id != tt.wantID:
				t.Errorf("X-Request-Id = %q, want %q", id, tt.wantID)
			case tt.wantID == "" && (!strings.HasPrefix(id, "request-id-") || id == tt.requestID):
				t.Errorf("X-Request-Id = %q, want a fresh request-id-...", id)
			}
			if rid, ok := body["request_id"]; ok && rid != id {
				t.Errorf("body request_id = %v, header %q", rid, id)
			}
			lines := accessLines(t, &buf)
			if len(lines) != before+1 {
				t.Fatalf("%d access lines for one request", len(lines)-before)
			}
			l := lines[before]
			for k, want := range map[string]any{"level": "INFO", "request_id": id, "method": tt.method,
				"route": tt.route, "status": float64(tt.status)} {
				if l[k] != want {
					t.Errorf("access line %s = %v, want %v (%v)", k, l[k], want, l)
				}
			}
			if _, ok := l["duration"].(float64); !ok {
				t.Errorf("access line without duration: %v", l)
			}
			if p, ok := l["project_id"]; ok != tt.project || (ok && p != ts.projectID) {
				t.Errorf("access line project_id = %v (present %v), want present %v", p, ok, tt.project)
			}
			if _, ok := l["path"]; ok {
				t.Errorf("access line carries the raw path: %v", l)
			}
		})
	}
}
