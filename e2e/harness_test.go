package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/testdb"
)

// signetBin is the server binary, built once by TestMain.
var signetBin string

func TestMain(m *testing.M) {
	// Hermetic: the signet processes started here inherit this
	// environment, and a shell that followed the README has
	// SIGNET_MASTER_KEY (perhaps SIGNET_DB, SIGNET_CONFIG, ...) set. Only
	// the variables that steer the tests themselves stay.
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case !strings.HasPrefix(name, "SIGNET_"), strings.HasPrefix(name, "SIGNET_TEST_"),
			name == "SIGNET_E2E_NODE", name == "SIGNET_BROWSER", name == "SIGNET_SCREENSHOTS":
		default:
			os.Unsetenv(name)
		}
	}
	dir, err := os.MkdirTemp("", "signet-e2e-")
	if err != nil {
		panic(err)
	}
	signetBin = filepath.Join(dir, "signet")
	build := exec.Command("go", "build", "-o", signetBin, "../cmd/signet")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building signet:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Server is a running signet process with one project.
type Server struct {
	// URL is where the process listens, and its issuer, except for a node
	// from startNode, whose issuer is the first node's URL.
	URL       string // no trailing slash
	ProjectID string
	Secret    string
	DB        string // the --db value
	MasterKey string
	Log       *bytes.Buffer
	cmd       *exec.Cmd
}

// startServer starts `signet serve` on a free loopback port with a fresh
// database and one project made by `signet init --json`. extraArgs go to
// serve. The process is stopped (SIGTERM, graceful) at cleanup.
func startServer(t *testing.T, extraArgs ...string) *Server {
	t.Helper()
	s := &Server{DB: testdb.DSN(t), MasterKey: newMasterKey(t), Log: &bytes.Buffer{}}
	out := s.run(t, "init", "--db", s.DB, "--json")
	var creds struct{ ProjectID, Secret string }
	if err := json.Unmarshal(out, &struct {
		ProjectID *string `json:"project_id"`
		Secret    *string `json:"secret"`
	}{&creds.ProjectID, &creds.Secret}); err != nil {
		t.Fatalf("init output %q: %v", out, err)
	}
	s.ProjectID, s.Secret = creds.ProjectID, creds.Secret

	addr := freeAddr(t)
	s.URL = "http://" + addr
	s.serve(t, append([]string{"serve", "--addr", addr, "--db", s.DB}, extraArgs...))
	return s
}

// startNode starts a second `signet serve` of s's deployment: the same
// database, master key and issuer (s's URL, which a load balancer would
// serve), listening on its own loopback port.
func (s *Server) startNode(t *testing.T, extraArgs ...string) *Server {
	t.Helper()
	n := &Server{ProjectID: s.ProjectID, Secret: s.Secret, DB: s.DB, MasterKey: s.MasterKey, Log: &bytes.Buffer{}}
	addr := freeAddr(t)
	n.URL = "http://" + addr
	n.serve(t, append([]string{"serve", "--addr", addr, "--db", s.DB, "--issuer", s.URL}, extraArgs...))
	return n
}

// serve runs signet with args until t's cleanup stops it.
func (s *Server) serve(t *testing.T, args []string) {
	t.Helper()
	s.cmd = exec.Command(signetBin, args...)
	s.cmd.Env = s.env()
	s.cmd.Stdout, s.cmd.Stderr = s.Log, s.Log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			s.cmd.Process.Kill()
			t.Errorf("signet did not shut down within 15s")
		}
		if t.Failed() {
			t.Logf("server log (%s):\n%s", s.URL, s.Log)
		}
	})
	s.waitReady(t)
}

func (s *Server) env() []string {
	return append(os.Environ(), "SIGNET_MASTER_KEY="+s.MasterKey, "SIGNET_LOG_LEVEL=warn")
}

// run runs a signet admin command against the server's database.
func (s *Server) run(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(signetBin, args...)
	cmd.Env = s.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("signet %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

func (s *Server) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if s.cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("signet not ready at %s; log:\n%s", s.URL, s.Log)
}

// call sends a management request with project Basic auth and decodes the
// JSON answer into out (if non-nil); it returns the status code.
func (s *Server) call(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(s.ProjectID, s.Secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decoding answer: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func newMasterKey(t *testing.T) string {
	var b [32]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// nodeScript returns a command running an e2e/node script with args, in
// that directory. It skips the test when the npm packages are not
// installed, and fails it when SIGNET_E2E_NODE=1 (set by .ci/run) says
// they must be.
func nodeScript(t *testing.T, script string, args ...string) *exec.Cmd {
	t.Helper()
	_, err := os.Stat(filepath.Join("node", "node_modules", ".package-lock.json"))
	switch {
	case err != nil && os.Getenv("SIGNET_E2E_NODE") == "1":
		t.Fatalf("SIGNET_E2E_NODE=1 but e2e/node/node_modules is missing: run npm ci in e2e/node (%v)", err)
	case err != nil:
		t.Skip("e2e/node/node_modules missing; run npm ci in e2e/node or set SIGNET_E2E_NODE=1")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not on PATH")
	}
	cmd := exec.Command(node, append([]string{script}, args...)...)
	cmd.Dir = "node"
	return cmd
}
