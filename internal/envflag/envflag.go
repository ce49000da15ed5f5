// Package envflag lets every flag of a FlagSet also be set from the
// environment.
package envflag

import (
	"flag"
	"fmt"
)

// Parse parses args, then sets each flag that was not given on the command
// line from its environment variable in env (flag name -> variable name), if
// that variable is set. Command-line flags win.
func Parse(fs *flag.FlagSet, args []string, env map[string]string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for name, variable := range env {
		if given[name] {
			continue
		}
		if v := getenv(variable); v != "" {
			if err := fs.Set(name, v); err != nil {
				return fmt.Errorf("%s=%q: %v", variable, v, err)
			}
		}
	}
	return nil
}
