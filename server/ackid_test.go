package server

import (
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/streams"
)

func TestAckIDRoundTrip(t *testing.T) {
	cases := []struct {
		stream, group string
		id            streams.ID
		attempt       int
		delay         time.Duration
	}{
		{"orders", "billing", streams.ID{Ms: 1700000000000, Seq: 3}, 1, time.Second},
		{"a", "b", streams.ID{}, 1, 0},
		{strings.Repeat("s", 200), strings.Repeat("g", 200), streams.ID{Ms: 1<<64 - 1, Seq: 1<<64 - 1}, 1<<31 - 1, streams.MaxWait},
	}
	for _, c := range cases {
		s := encodeAckID(c.stream, c.group, c.id, c.attempt, c.delay)
		r, err := decodeAckID(s)
		if err != nil {
			t.Fatalf("decode(%q): %v", s, err)
		}
		if r.Stream != c.stream || r.Group != c.group || r.ID != c.id || r.Attempt != c.attempt || r.Wait != c.delay {
			t.Fatalf("round trip of %+v gave %+v", c, r)
		}
	}
}

// FuzzDecodeAckID: decoding never panics, and whatever decodes re-encodes to
// the same string (no two strings name one delivery).
func FuzzDecodeAckID(f *testing.F) {
	f.Add(encodeAckID("orders", "g", streams.ID{Ms: 1, Seq: 2}, 1, time.Second))
	f.Add("")
	f.Add("AQ")
	f.Add("AQZvcmRlcnMCZzGjrp65oTQAAQ")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := decodeAckID(s)
		if err != nil {
			return
		}
		if again := encodeAckID(r.Stream, r.Group, r.ID, r.Attempt, r.Wait); again != s {
			t.Fatalf("%q decodes to %+v which encodes to %q", s, r, again)
		}
	})
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"orders", "a.b:c-d_e", strings.Repeat("x", 200), "SLUICE:x"} {
		if err := validateName("stream", ok); err != nil {
			t.Errorf("%q rejected: %v", ok, err)
		}
	}
	for _, bad := range []string{"", " ", "a b", "{x}", "é", "a\x00", "sluice:x", strings.Repeat("x", 201)} {
		if err := validateName("stream", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"orders", "sluice:x", "{a}", "a\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if validateName("stream", s) != nil {
			return
		}
		if len(s) == 0 || len(s) > maxNameLen || strings.HasPrefix(s, reservedPrefix) || strings.ContainsAny(s, "{} \x00") {
			t.Fatalf("%q accepted", s)
		}
	})
}

func TestVersionOf(t *testing.T) {
	for typ, want := range map[string]string{
		"examples.orders.v1.OrderCreated": "v1",
		"a.v2beta1.T":                     "v2beta1",
		"a.b.T":                           "",
		"T":                               "",
		"a.V1.T":                          "",
	} {
		if got := versionOf(typ); got != want {
			t.Errorf("versionOf(%q) = %q, want %q", typ, got, want)
		}
	}
}
