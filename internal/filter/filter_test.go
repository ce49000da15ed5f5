package filter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/filter"
	"github.com/sluice-io/sluice/streams"
)

func entry(typ string, headers map[string]string) *streams.Entry {
	return &streams.Entry{ID: streams.ID{Ms: uint64(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC).UnixMilli())},
		Event: streams.Event{Type: typ, Version: "v1", Key: "c-1", ContentType: "application/protobuf", Headers: headers}}
}

func TestMatch(t *testing.T) {
	eu := entry("examples.orders.v1.OrderCreated", map[string]string{"region": "eu"})
	us := entry("examples.orders.v1.OrderCreated", map[string]string{"region": "us"})
	none := entry("examples.billing.v1.Invoice", nil)
	for _, c := range []struct {
		expr          string
		eu, us, empty bool
	}{
		{`type.startsWith("examples.orders.") && headers["region"] == "eu"`, true, false, false},
		{`"region" in headers`, true, true, false},
		{`headers["region"] != "eu"`, false, true, false}, // a missing header is an error: no match
		{`version == "v1" && key == "c-1" && content_type == "application/protobuf"`, true, true, true},
		{`publish_time > timestamp("2026-12-04T11:59:00Z")`, true, true, true},
		{`type.matches("^examples\\.(orders|billing)\\.")`, true, true, true},
		{`headers.exists(k, k.startsWith("reg"))`, true, true, false},
	} {
		f, err := filter.Compile(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if got := [3]bool{f.Match(eu), f.Match(us), f.Match(none)}; got != [3]bool{c.eu, c.us, c.empty} {
			t.Errorf("%s: matched eu, us, none = %v, want %v", c.expr, got, [3]bool{c.eu, c.us, c.empty})
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for expr, want := range map[string]string{
		`type ==`:               "1:8", // position of the syntax error
		`region == "eu"`:        "undeclared reference to 'region'",
		`type`:                  "must be a bool expression",
		`headers["a"] + 1 == 2`: "found no matching overload",
		"":                      "empty",
		strings.Repeat(`type == "x" || `, 300) + "true":                     "limit is 4096",
		`headers.all(a, headers.all(b, headers.all(c, a + b + c == type)))`: "the limit is 10000",
	} {
		_, err := filter.Compile(expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.40s: %v, want an error containing %q", expr, err, want)
		}
	}
}

// A filter of type, version and content_type alone remembers its results;
// one that reads anything else evaluates every event.
func TestMemo(t *testing.T) {
	f, err := filter.Compile(`type.startsWith("examples.orders.") && version == "v1"`)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		for typ, want := range map[string]bool{"examples.orders.v1.A": true, "examples.billing.v1.B": false} {
			if got := f.Match(entry(typ, nil)); got != want {
				t.Fatalf("%s: %v, want %v", typ, got, want)
			}
		}
	}
	g, err := filter.Compile(`type.startsWith("examples.orders.") && key == "c-1"`)
	if err != nil {
		t.Fatal(err)
	}
	e := entry("examples.orders.v1.A", nil)
	if !g.Match(e) {
		t.Fatal("c-1 should match")
	}
	e.Event.Key = "c-2"
	if g.Match(e) {
		t.Fatal("c-2 matched: a filter reading key was memoized by type")
	}
}

func BenchmarkMatch(b *testing.B) {
	for name, expr := range map[string]string{
		"headers":     `type.startsWith("examples.orders.") && headers["region"] == "eu"`,
		"type-memoed": `type.startsWith("examples.orders.") && content_type == "application/protobuf"`,
	} {
		b.Run(name, func(b *testing.B) {
			f, err := filter.Compile(expr)
			if err != nil {
				b.Fatal(err)
			}
			e := entry("examples.orders.v1.OrderCreated", map[string]string{"region": "eu"})
			b.ReportAllocs()
			for b.Loop() {
				if !f.Match(e) {
					b.Fatal("no match")
				}
			}
		})
	}
}
