package keys

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMasterKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xfb, 0xff, 0x01}, 11)[:32] // has + and / in std base64
	tests := []struct {
		name  string
		in    string
		valid bool
	}{
		{"std", base64.StdEncoding.EncodeToString(raw), true},
		{"std without padding", base64.RawStdEncoding.EncodeToString(raw), true},
		{"url", base64.URLEncoding.EncodeToString(raw), true},
		{"url without padding", base64.RawURLEncoding.EncodeToString(raw), true},
		{"surrounding whitespace", " " + base64.StdEncoding.EncodeToString(raw) + "\n", true},
		{"16 bytes", base64.StdEncoding.EncodeToString(raw[:16]), false},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(raw, 1)), false},
		{"all zeros", base64.StdEncoding.EncodeToString(make([]byte, 32)), false},
		{"not base64", "this is not a key!", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mk, err := ParseMasterKey(tt.in)
			if !tt.valid {
				if err == nil {
					t.Fatal("accepted")
				}
				if s := strings.TrimSpace(tt.in); s != "" && strings.Contains(err.Error(), s) {
					t.Errorf("error %q echoes the input", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(mk.key(), raw) {
				t.Errorf("decoded %x", mk.key())
			}
			again, err := ParseMasterKey(mk.Encode())
			if err != nil || !bytes.Equal(again.key(), raw) {
				t.Errorf("Encode does not round-trip: %v", err)
			}
		})
	}
}

func TestMasterKeyNeverPrints(t *testing.T) {
	mk := GenerateMasterKey()
	secretForms := []string{
		mk.Encode(),
		base64.RawURLEncoding.EncodeToString(mk.key()),
		hex.EncodeToString(mk.key()),
		strings.Trim(fmt.Sprintf("%d", mk.key()), "[]"), // decimal bytes, as fmt prints an array
	}
	type config struct {
		Addr string
		Key  MasterKey
	}
	type hidden struct{ mk MasterKey } // fmt reaches this by reflection, past Format
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("start", "master_key", mk, "config", config{Key: mk})

	outputs := map[string]string{"slog": logged.String(), "String": mk.String(), "GoString": mk.GoString()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
		outputs[verb] = fmt.Sprintf(verb, mk)
		outputs[verb+" in a struct"] = fmt.Sprintf(verb, config{"x", mk})
		outputs[verb+" via pointer"] = fmt.Sprintf(verb, &config{"x", mk})
		outputs[verb+" unexported field"] = fmt.Sprintf(verb, hidden{mk})
		outputs[verb+" in a slice"] = fmt.Sprintf(verb, []MasterKey{mk})
	}
	for name, out := range outputs {
		for _, s := range secretForms {
			if strings.Contains(out, s) {
				t.Errorf("%s prints the key: %s", name, out)
			}
		}
	}
	if got := fmt.Sprintf("%v|%s|%#v|%x", mk, mk, mk, mk); got != "[redacted]|[redacted]|[redacted]|[redacted]" {
		t.Errorf("got %s", got)
	}
}

func TestLoadOrCreateMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "signet-master.key")
	mk, err := LoadOrCreateMasterKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode %o, want 600", perm)
	}
	again, err := LoadOrCreateMasterKeyFile(path)
	if err != nil || again.Encode() != mk.Encode() {
		t.Errorf("second load gave another key (%v)", err)
	}

	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("short"), 0o600)
	if _, err := LoadOrCreateMasterKeyFile(bad); err == nil {
		t.Error("a corrupt key file was accepted (or replaced)")
	}
	if _, err := LoadOrCreateMasterKeyFile(filepath.Join(dir, "missing-dir", "k")); err == nil {
		t.Error("no error for an unwritable path")
	}
}

func TestDerive(t *testing.T) {
	mk := GenerateMasterKey()
	a, b := mk.Derive("signet/pepper/v1"), mk.Derive(keySealLabel)
	if len(a) != 32 || bytes.Equal(a, b) || bytes.Equal(a, mk.key()) {
		t.Errorf("subkeys not independent: %x %x", a, b)
	}
	if !bytes.Equal(a, mk.Derive("signet/pepper/v1")) {
		t.Error("Derive is not deterministic")
	}
}

func FuzzParseMasterKey(f *testing.F) {
	f.Add(GenerateMasterKey().Encode())
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		mk, err := ParseMasterKey(s)
		if err == nil && (mk.isZero() || len(mk.key()) != 32) {
			t.Fatalf("accepted %q as an unusable key", s)
		}
	})
}
