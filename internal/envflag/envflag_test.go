package envflag

import (
	"flag"
	"testing"
)

func TestParse(t *testing.T) {
	env := map[string]string{"SLUICE_MAX_BATCH": "7", "REDIS_URL": "redis://x", "SLUICE_LISTEN": "env", "SLUICE_NO_AUTH": "true"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	batch := fs.Int("max-batch", 1, "")
	url := fs.String("redis-url", "", "")
	listen := fs.String("listen", "default", "")
	noAuth := fs.Bool("no-auth", false, "")
	err := Parse(fs, []string{"--listen", "flag"}, Prefixed("SLUICE_", map[string]string{"redis-url": "REDIS_URL"}),
		func(k string) string { return env[k] })
	if err != nil || *batch != 7 || *url != "redis://x" || *listen != "flag" || !*noAuth {
		t.Fatalf("got %d %q %q %v, %v", *batch, *url, *listen, *noAuth, err)
	}
	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	batch = fs.Int("max-batch", 1, "")
	if err := Parse(fs, nil, Only(map[string]string{}), func(k string) string { return env[k] }); err != nil || *batch != 1 {
		t.Fatalf("Only read an unlisted variable: %d %v", *batch, err)
	}
	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	fs.Int("max-batch", 1, "")
	if err := Parse(fs, nil, Prefixed("SLUICE_", nil), func(string) string { return "x" }); err == nil {
		t.Fatal("bad value accepted")
	}
}
