package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Configuration comes in four layers, the first that sets a value wins:
// the command line, the environment (SIGNET_<FLAG NAME>, dashes as
// underscores), the config file (--config or SIGNET_CONFIG, YAML keys
// named as the flags) and the defaults. Only settings, the flags that
// describe the instance (serve's and the database and master key every
// command shares), take the environment and the file; an admin command's
// own arguments (--project, --name, ...) come from its command line alone.
// docs/configuration.md is generated from these definitions.

// flagSet is a command's flags, with its settings marked.
type flagSet struct {
	*flag.FlagSet
	settings map[string]settingKind
	// origin says where each setting's value came from: "flag", "env",
	// "file", or "" for the default.
	origin map[string]string
	config string // --config
}

type settingKind int

const (
	plainSetting settingKind = iota + 1
	// secretSetting never shows its value: not in -h, nor in logs or
	// errors ("set" or "unset" instead).
	secretSetting
	// urlSetting may hold a password in a URL: shown with it redacted.
	urlSetting
)

// newFlagSet makes a command's flag set; its help goes to stderr and
// lists each setting's environment variable.
func newFlagSet(name string, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), settings: map[string]settingKind{}, origin: map[string]string{}}
	fs.SetOutput(stderr)
	fs.Usage = func() { fs.printUsage(stderr) }
	fs.StringVar(&fs.config, "config", "", "YAML config file whose keys are these settings' flag names (env SIGNET_CONFIG)")
	return fs
}

// envName is the environment variable of a setting: SIGNET_LOGIN_DELAY for
// login-delay.
func envName(flagName string) string {
	return "SIGNET_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (fs *flagSet) stringSetting(p *string, name, def, usage string) {
	fs.StringVar(p, name, def, usage)
	fs.settings[name] = plainSetting
}

// secretStringSetting is a setting whose value is never shown.
func (fs *flagSet) secretStringSetting(p *string, name, usage string) {
	fs.StringVar(p, name, "", usage)
	fs.settings[name] = secretSetting
}

// urlStringSetting is a setting that may hold a URL with a password.
func (fs *flagSet) urlStringSetting(p *string, name, def, usage string) {
	fs.StringVar(p, name, def, usage)
	fs.settings[name] = urlSetting
}

func (fs *flagSet) boolSetting(p *bool, name string, def bool, usage string) {
	fs.BoolVar(p, name, def, usage)
	fs.settings[name] = plainSetting
}

func (fs *flagSet) intSetting(p *int, name string, def int, usage string) {
	fs.IntVar(p, name, def, usage)
	fs.settings[name] = plainSetting
}

func (fs *flagSet) durationSetting(p *time.Duration, name string, def time.Duration, usage string) {
	fs.DurationVar(p, name, def, usage)
	fs.settings[name] = plainSetting
}

// parse reads the command line, then fills each setting it did not set
// from the environment, then from the config file. Errors name the
// variable or the file's key; a key no setting has is an error. It
// returns flag.ErrHelp for -h.
func (fs *flagSet) parse(args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags go before it? see %s -h)", fs.Arg(0), fs.Name())
	}
	fs.Visit(func(f *flag.Flag) { fs.origin[f.Name] = "flag" })
	if fs.config == "" {
		fs.config = os.Getenv("SIGNET_CONFIG")
	}
	file, err := readConfigFile(fs.config)
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(fs.settings)) {
		if fs.origin[name] != "" {
			continue
		}
		env := envName(name)
		if v := os.Getenv(env); v != "" { // an empty variable counts as unset
			if err := fs.Set(name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s", env, fs.valueError(name, v)))
			}
			fs.origin[name] = "env"
			continue
		}
		if v, ok := file[name]; ok {
			if err := fs.Set(name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s: %s", fs.config, name, fs.valueError(name, v)))
			}
			fs.origin[name] = "file"
		}
	}
	return errors.Join(errs...)
}

// valueError says what is wrong with v for the setting, showing it only
// when it is not secret.
func (fs *flagSet) valueError(name, v string) string {
	if fs.settings[name] == plainSetting {
		return fmt.Sprintf("invalid value %q", v)
	}
	return "invalid value"
}

// readConfigFile reads the YAML file at path ("" for none): a mapping of
// setting names to scalars (a list of scalars is joined with commas). A
// key that is no setting of any command is an error; settings of other
// commands are ignored, so one file serves serve and the admin commands.
func readConfigFile(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: want a mapping of setting names to values", path)
	}
	known := knownSettings()
	out := map[string]string{}
	var errs []error
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if _, ok := known[key]; !ok {
			errs = append(errs, fmt.Errorf("%s:%d: unknown key %q (see docs/configuration.md)", path, k.Line, key))
			continue
		}
		if _, dup := out[key]; dup {
			errs = append(errs, fmt.Errorf("%s:%d: %s is set twice", path, k.Line, key))
			continue
		}
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag != "!!null":
			out[key] = v.Value
		case v.Kind == yaml.SequenceNode:
			var items []string
			for _, it := range v.Content {
				if it.Kind != yaml.ScalarNode {
					errs = append(errs, fmt.Errorf("%s:%d: %s: want a list of values", path, it.Line, key))
				}
				items = append(items, it.Value)
			}
			out[key] = strings.Join(items, ",")
		default:
			errs = append(errs, fmt.Errorf("%s:%d: %s: want a value", path, v.Line, key))
		}
	}
	return out, errors.Join(errs...)
}

// knownSettings are the settings of every command, by flag name.
func knownSettings() map[string]settingKind {
	all := map[string]settingKind{}
	for _, register := range []func(*flagSet){
		func(fs *flagSet) { registerServe(fs) },
		func(fs *flagSet) { registerRotate(fs) },
	} {
		fs := newFlagSet("all", io.Discard)
		register(fs)
		maps.Copy(all, fs.settings)
	}
	return all
}

// shown is how a setting's value may appear in logs: secrets as "set" or
// "unset", URLs without their password.
func (fs *flagSet) shown(name string) string {
	v := fs.Lookup(name).Value.String()
	switch fs.settings[name] {
	case secretSetting:
		if v == "" {
			return "unset"
		}
		return "set"
	case urlSetting:
		return redactURL(v)
	}
	return v
}

// redactURL hides the password of a URL ("postgres://u:xxxxx@h/db").
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		if err != nil && strings.Contains(s, "@") {
			return "[a URL that does not parse, not shown]"
		}
		return s
	}
	return u.Redacted()
}

// printUsage is -h: every flag with its default, and for settings their
// environment variable; a secret's value is never printed, only whether
// it is set.
func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: signet %s [flags]\n\nflags:\n", fs.Name())
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if typ != "" {
			fmt.Fprintf(w, " %s", typ)
		}
		fmt.Fprintf(w, "\n    \t%s", strings.ReplaceAll(usage, "\n", "\n    \t"))
		kind, setting := fs.settings[f.Name]
		switch {
		case kind == secretSetting:
			state := "unset"
			if os.Getenv(envName(f.Name)) != "" {
				state = "set"
			}
			fmt.Fprintf(w, " (env %s: %s)", envName(f.Name), state)
		case setting && f.DefValue != "" && f.DefValue != "false":
			fmt.Fprintf(w, " (default %s; env %s)", f.DefValue, envName(f.Name))
		case setting:
			fmt.Fprintf(w, " (env %s)", envName(f.Name))
		case f.DefValue != "" && f.DefValue != "false":
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}
