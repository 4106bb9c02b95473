// Package golden compares a test's JSON output with a file under testdata,
// so that every change of a wire shape shows up as a diff in review. Run the
// tests with -update to rewrite the files after a deliberate change. It is
// for tests only.
//
// Values that differ from run to run are replaced before the comparison:
// the issuer URL (given by the caller), UUIDs, timestamps, JWTs, and the
// values of the keys a caller names (tokens, secrets). The shape, the
// field names and every other value stay as they are.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

var (
	uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)
	jwtRE  = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)
)

// Options say what else varies in a document.
type Options struct {
	// Issuer is replaced by "{issuer}" wherever it occurs.
	Issuer string
	// Keys are JSON object keys whose values, at any depth, become
	// "{key}" (strings) or 0 (numbers).
	Keys []string
}

// JSON compares body, normalised, with testdata/golden/NAME.json.
func JSON(t testing.TB, name string, body []byte, o Options) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("golden %s: not JSON: %v: %q", name, err, body)
	}
	v = redact(v, o.Keys)
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	if o.Issuer != "" {
		s = strings.ReplaceAll(s, o.Issuer, "{issuer}")
	}
	s = jwtRE.ReplaceAllString(s, "{jwt}")
	s = uuidRE.ReplaceAllString(s, "{uuid}")
	s = timeRE.ReplaceAllString(s, "{time}")
	got = append([]byte(s), '\n')

	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run the test with -update to create it)", name, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("golden %s: the wire shape changed (run with -update if that was meant)\n--- want %s\n%s\n--- got\n%s", name, path, want, got)
	}
}

func redact(v any, keys []string) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if slices.Contains(keys, k) {
				switch x.(type) {
				case string:
					v[k] = "{" + k + "}"
				case float64:
					v[k] = 0
				default:
					v[k] = redact(x, keys)
				}
				continue
			}
			v[k] = redact(x, keys)
		}
	case []any:
		for i, x := range v {
			v[i] = redact(x, keys)
		}
	}
	return v
}
