package browser

import (
	"os"
	"strings"
	"testing"
)

// TestMain keeps the signet processes these tests start hermetic: a
// shell that followed the README has SIGNET_MASTER_KEY (perhaps
// SIGNET_DB, SIGNET_CONFIG, ...) set. Only the variables that steer the
// tests themselves stay.
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case !strings.HasPrefix(name, "SIGNET_"), strings.HasPrefix(name, "SIGNET_TEST_"),
			name == "SIGNET_BROWSER", name == "SIGNET_SCREENSHOTS":
		default:
			os.Unsetenv(name)
		}
	}
	os.Exit(m.Run())
}
