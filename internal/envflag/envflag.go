// Package envflag lets flags of a FlagSet also be set from the environment.
package envflag

import (
	"flag"
	"fmt"
	"strings"
)

// Naming maps a flag name to its environment variable ("" for none).
type Naming func(flag string) string

// Prefixed names every flag's variable prefix + the flag name in upper case
// with dashes as underscores (--max-batch -> SLUICE_MAX_BATCH), except those
// in overrides.
func Prefixed(prefix string, overrides map[string]string) Naming {
	return func(name string) string {
		if v, ok := overrides[name]; ok {
			return v
		}
		return prefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	}
}

// Only names the variables of the flags in m and no others.
func Only(m map[string]string) Naming { return func(name string) string { return m[name] } }

// Parse parses args, then sets each flag that was not given on the command
// line from its environment variable, if that is set. Command-line flags win.
func Parse(fs *flag.FlagSet, args []string, naming Naming, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		variable := naming(f.Name)
		if err != nil || given[f.Name] || variable == "" {
			return
		}
		if v := getenv(variable); v != "" {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s=%q: %v", variable, v, serr)
			}
		}
	})
	return err
}
