package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md from the flag definitions")

const configDoc = "../../docs/configuration.md"

// docs/configuration.md is generated from the flag definitions; this test
// fails when they drift apart. Regenerate with
//
//	go test ./cmd/signet -run TestConfigurationDoc -update   (or go generate ./cmd/signet)
func TestConfigurationDoc(t *testing.T) {
	got := configurationDoc(t)
	if *update {
		if err := os.WriteFile(configDoc, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(configDoc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/configuration.md is out of date with the flags: run go test ./cmd/signet -run TestConfigurationDoc -update")
	}
}

func configurationDoc(t *testing.T) []byte {
	var b bytes.Buffer
	b.WriteString(`# Configuration

<!-- Generated from the flag definitions by ` + "`go test ./cmd/signet -run TestConfigurationDoc -update`" + ` (or go generate ./cmd/signet); a test fails when it drifts. Do not edit by hand. -->

Every setting of ` + "`signet serve`" + ` (and the database and master key every admin command
shares, and the key cache TTL of the commands that make keys) can be given four ways; the first
that sets it wins:

1. a flag: ` + "`--login-delay 2s`" + `;
2. an environment variable: ` + "`SIGNET_`" + ` and the flag's name in capitals, dashes as underscores
   (` + "`SIGNET_LOGIN_DELAY=2s`" + `); an empty variable counts as unset;
3. the config file named by ` + "`--config`" + ` or ` + "`SIGNET_CONFIG`" + `: YAML whose keys are the flag names
   (` + "`login-delay: 2s`" + `; a list is joined with commas, as ` + "`trusted-proxies`" + ` takes it);
4. the default.

Everything is checked at start, and an error names the flag, variable or file key (and line)
at fault; a key in the file that is no setting is an error. One file serves ` + "`serve`" + ` and the admin
commands: each takes the keys it knows. Secrets (` + "`master-key`" + `, ` + "`new-master-key`" + `) are never
printed: ` + "`-h`" + ` shows whether they are set, logs show the master key's ID (` + "`mk-…`" + `), and a database
URL appears with its password redacted. Keep the master key in the environment or a file only
root and Signet can read, apart from the database and its backups.

` + "`SIGNET_LOG_LEVEL`" + ` (debug, info, warn, error) and ` + "`SIGNET_LOG_FORMAT`" + ` (text, json) set the log level and
format of every command; ` + "`serve`" + ` also takes ` + "`--log-level`" + ` and ` + "`--log-format`" + `.

## Settings

| Flag and file key | Environment variable | Default | Meaning |
| --- | --- | --- | --- |
`)
	seen := map[string]bool{}
	for _, reg := range []func(*flagSet){func(fs *flagSet) { registerServe(fs) }, func(fs *flagSet) { registerRotate(fs) }} {
		fs := newFlagSet("all", io.Discard)
		reg(fs)
		fs.VisitAll(func(f *flag.Flag) {
			kind, ok := fs.settings[f.Name]
			if !ok || seen[f.Name] {
				return
			}
			seen[f.Name] = true
			def := "`" + f.DefValue + "`"
			switch {
			case kind == secretSetting:
				def = "(secret)"
			case f.DefValue == "":
				def = ""
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", f.Name, envName(f.Name), def, strings.ReplaceAll(f.Usage, "|", "\\|"))
		})
	}
	b.WriteString(`
` + "`new-master-key`" + ` is read by ` + "`signet master-key rotate`" + ` only. ` + "`key-cache-ttl`" + ` is read by ` + "`serve`" + `, and by
` + "`keys rotate`" + ` and ` + "`project set`" + `, which make keys and must know how late a server may see them
(` + "`keys rotate`" + ` refuses a ` + "`--publish-delay`" + ` below it plus 6 s): set it once, in the environment or
the file, for all of them.

## Example

` + "```yaml" + `
# signet.yaml: signet serve --config signet.yaml (the master key stays in SIGNET_MASTER_KEY)
db: postgres://signet@db.internal/signet?sslmode=verify-full
addr: 0.0.0.0:8080
issuer: https://id.example.com
trusted-proxies: [10.0.0.0/8]
login-account-limit: 20
log-level: info
` + "```" + `

## Commands

Each command's ` + "`-h`" + `, as it prints it.
`)
	for _, args := range [][]string{
		{"serve"}, {"init"}, {"migrate"}, {"projects", "list"}, {"project", "set"}, {"project", "secret", "rotate", "start"},
		{"keys", "list"}, {"keys", "rotate"}, {"banks", "add"}, {"banks", "list"}, {"banks", "remove"},
		{"master-key", "id"}, {"master-key", "rotate"}, {"backup"}, {"healthcheck"}, {"sandbox-bank"},
	} {
		var out, errOut bytes.Buffer
		if err := run(t.Context(), append(args, "-h"), &out, &errOut); err != nil {
			t.Fatalf("%v -h: %v", args, err)
		}
		fmt.Fprintf(&b, "\n### signet %s\n\n```\n%s```\n", strings.Join(args, " "), out.String()+errOut.String())
	}
	return b.Bytes()
}
