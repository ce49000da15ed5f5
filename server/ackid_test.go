package server

import (
	"encoding/base64"
	"slices"
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
		fence         uint64
	}{
		{"orders", "billing", streams.ID{Ms: 1700000000000, Seq: 3}, 1, time.Second, 0},
		{"orders", "billing", streams.ID{Ms: 1700000000000, Seq: 3}, 2, time.Second, 7},
		{"a", "b", streams.ID{}, 1, 0, 1},
		{strings.Repeat("s", 200), strings.Repeat("g", 200), streams.ID{Ms: 1<<64 - 1, Seq: 1<<64 - 1}, 1<<31 - 1, streams.MaxWait, 1<<64 - 1},
	}
	for _, key := range [][]byte{nil, []byte("0123456789abcdef")} {
		for _, c := range cases {
			s := encodeAckID(key, c.stream, c.group, c.id, c.attempt, c.delay, c.fence)
			r, err := decodeAckID(key, s)
			if err != nil {
				t.Fatalf("decode(%q): %v", s, err)
			}
			if r.Stream != c.stream || r.Group != c.group || r.ID != c.id || r.Attempt != c.attempt || r.Wait != c.delay || r.Fence != c.fence {
				t.Fatalf("round trip of %+v gave %+v", c, r)
			}
		}
	}
}

// A signed ack ID cannot be altered, moved to another key, or stripped of
// its signature.
func TestSignedAckIDs(t *testing.T) {
	key, other := []byte("0123456789abcdef"), []byte("fedcba9876543210")
	id := encodeAckID(key, "orders", "billing", streams.ID{Ms: 5, Seq: 1}, 1, 0, 0)
	raw, _ := base64.RawURLEncoding.DecodeString(id)
	for i := range raw {
		for _, bit := range []byte{1, 0x80} {
			tampered := slices.Clone(raw)
			tampered[i] ^= bit
			if _, err := decodeAckID(key, base64.RawURLEncoding.EncodeToString(tampered)); err == nil {
				t.Fatalf("flipping bit %x of byte %d went unnoticed", bit, i)
			}
		}
	}
	if _, err := decodeAckID(other, id); err == nil {
		t.Fatal("ID accepted under another key")
	}
	if _, err := decodeAckID(key, encodeAckID(nil, "orders", "billing", streams.ID{Ms: 5, Seq: 1}, 1, 0, 0)); err == nil {
		t.Fatal("unsigned ID accepted by a signing server")
	}
	if _, err := decodeAckID(nil, id); err == nil {
		t.Fatal("signed ID accepted by a server without a key")
	}
}

// FuzzDecodeAckID: decoding never panics, and whatever decodes re-encodes to
// the same string (no two strings name one delivery).
func FuzzDecodeAckID(f *testing.F) {
	key := []byte("0123456789abcdef")
	f.Add(encodeAckID(nil, "orders", "g", streams.ID{Ms: 1, Seq: 2}, 1, time.Second, 0))
	f.Add(encodeAckID(key, "orders", "g", streams.ID{Ms: 1, Seq: 2}, 1, time.Second, 0))
	f.Add(encodeAckID(nil, "orders", "g", streams.ID{Ms: 1, Seq: 2}, 1, time.Second, 5))
	f.Add(encodeAckID(key, "orders", "g", streams.ID{Ms: 1, Seq: 2}, 1, time.Second, 5))
	f.Add("")
	f.Add("AQ")
	f.Add("AQZvcmRlcnMCZzGjrp65oTQAAQ")
	f.Fuzz(func(t *testing.T, s string) {
		prev := streams.Ref{Stream: "orders", Group: "g"}
		for _, k := range [][]byte{nil, key} {
			r, err := decodeAckID(k, s)
			if err != nil {
				continue
			}
			if again := encodeAckID(k, r.Stream, r.Group, r.ID, r.Attempt, r.Wait, r.Fence); again != s {
				t.Fatalf("%q decodes to %+v which encodes to %q", s, r, again)
			}
			// Reusing another ID's strings never changes the result.
			if after, err := decodeAckIDAfter(k, s, &prev); err != nil || after != r {
				t.Fatalf("%q after %+v decodes to %+v, %v; alone to %+v", s, prev, after, err, r)
			}
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

func TestIsVersionAndFullName(t *testing.T) {
	for v, want := range map[string]bool{"v1": true, "v22": true, "v2beta1": true, "v1alpha": true, "v": false, "V1": false,
		"v1Beta": false, "vbeta1": false, "v1beta1x": false, "v1-": false} {
		if isVersion(v) != want {
			t.Errorf("isVersion(%q) != %v", v, want)
		}
	}
	for n, want := range map[string]bool{"a.B_c.v1.T": true, "_x": true, "a..b": false, "1a.b": false, "a.b.": false, "a-b": false, "": false} {
		if isFullName(n) != want {
			t.Errorf("isFullName(%q) != %v", n, want)
		}
	}
}
