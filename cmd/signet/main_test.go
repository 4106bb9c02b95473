package main

import (
	"os"
	"strings"
	"testing"
)

// TestMain makes the tests hermetic: a shell that followed the README has
// SIGNET_MASTER_KEY set (and may have SIGNET_DB, SIGNET_CONFIG, ...),
// which would change what every command here does. Only the variables
// that choose test backends (SIGNET_TEST_*) stay.
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "SIGNET_") && !strings.HasPrefix(name, "SIGNET_TEST_") {
			os.Unsetenv(name)
		}
	}
	os.Exit(m.Run())
}
