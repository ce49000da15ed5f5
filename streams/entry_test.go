package streams

import (
	"testing"
	"unicode/utf8"
)

func TestEntryRoundTrip(t *testing.T) {
	in := Event{Type: "a.v1.T", Version: "v1", ContentType: "application/protobuf", Payload: []byte{0, 0xff},
		Key: "k", Headers: map[string]string{"traceparent": "x", "h:nested": "y"}}
	f := in.fields()
	values := make(map[string]any)
	for i := 0; i < len(f); i += 2 {
		switch v := f[i+1].(type) {
		case string:
			values[f[i].(string)] = v
		case []byte:
			values[f[i].(string)] = string(v)
		}
	}
	e := decodeEntry(ID{Ms: 1}, values)
	if e.Event.Type != in.Type || e.Event.Version != in.Version || e.Event.ContentType != in.ContentType ||
		string(e.Event.Payload) != string(in.Payload) || e.Event.Key != in.Key || len(e.Event.Headers) != 2 ||
		e.Event.Headers["h:nested"] != "y" || e.Extra != nil {
		t.Fatalf("round trip: %+v", e)
	}
}

// FuzzDecodeEntry: any field map from Redis decodes without panicking into
// strings that are valid UTF-8 (gRPC would refuse to send anything else), and
// no field is lost.
func FuzzDecodeEntry(f *testing.F) {
	f.Add("type", "a.B", "payload", "\xff", "h:", "x")
	f.Add("\xff", "\xfe", "key", "\xff", "h:\xff", "v")
	f.Add("version", "v1", "content_type", "text/plain", "other", "")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		values := map[string]any{k1: v1, k2: v2, k3: v3}
		e := decodeEntry(ID{}, values)
		strs := []string{e.Event.Type, e.Event.Version, e.Event.ContentType, e.Event.Key}
		n := len(e.Extra) + len(e.Event.Headers)
		for k, v := range e.Event.Headers {
			strs = append(strs, k, v)
		}
		for k := range e.Extra {
			strs = append(strs, k)
		}
		for _, s := range strs {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q from %v", s, values)
			}
		}
		if _, ok := values[FieldPayload]; ok {
			n++
		}
		for _, name := range []string{FieldType, FieldVersion, FieldContentType, FieldKey} {
			if v, ok := values[name]; ok && utf8.ValidString(v.(string)) {
				n++
			}
		}
		if n != len(values) {
			t.Fatalf("%d fields in, %d placed: %+v from %v", len(values), n, e, values)
		}
	})
}

func BenchmarkEntryFields(b *testing.B) {
	ev := Event{Type: "examples.orders.v1.OrderCreated", Version: "v1", ContentType: "application/protobuf",
		Payload: make([]byte, 256), Key: "customer-42", Headers: map[string]string{"traceparent": "00-abc"}}
	for b.Loop() {
		_ = ev.fields()
	}
}

func BenchmarkDecodeEntry(b *testing.B) {
	values := map[string]any{"type": "examples.orders.v1.OrderCreated", "version": "v1",
		"content_type": "application/protobuf", "key": "customer-42", "h:traceparent": "00-abc", "payload": string(make([]byte, 256))}
	for b.Loop() {
		_ = decodeEntry(ID{Ms: 1}, values)
	}
}
