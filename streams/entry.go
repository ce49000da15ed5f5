package streams

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Entry field names. This is the layout that redis-cli and redis-py users see;
// the README documents it. Changing a name breaks every existing stream.
const (
	FieldType        = "type"
	FieldVersion     = "version"
	FieldContentType = "content_type"
	FieldPayload     = "payload"
	FieldKey         = "key"
	// FieldDeliverAt is the time, in ms since the Unix epoch, that a
	// scheduled event was scheduled for.
	FieldDeliverAt = "deliver_at"
	// FieldExpireAt is the time, in ms since the Unix epoch, that an event
	// expires; FieldTTL is its time to live in ms, counted from its entry
	// ID's time.
	FieldExpireAt = "expire_at"
	FieldTTL      = "ttl"
	// HeaderPrefix starts the field name of each header: "h:traceparent".
	HeaderPrefix = "h:"
)

// Event is what a producer stores in one stream entry.
type Event struct {
	Type        string
	Version     string
	ContentType string
	Payload     []byte
	Key         string
	Headers     map[string]string
	// IdempotencyKey, when set, makes the publish idempotent; it is not
	// stored in the entry.
	IdempotencyKey string
	// DeliverAt or DeliverAfter (at most one), when set, schedule the
	// event: it is appended to the stream when due, by Redis's clock (see
	// schedule.go). On a read entry, DeliverAt is the time a scheduled event
	// was scheduled for (the field deliver_at).
	DeliverAt    time.Time
	DeliverAfter time.Duration
	// ExpireAt or TTL (at most one), when set, make the event expire: a
	// group that has not been sent it by then never is (see screen.go). TTL
	// counts from the entry's ID time. On a read entry, ExpireAt is when it
	// expires, from either field.
	ExpireAt time.Time
	TTL      time.Duration
}

// Expired reports whether e had expired at now.
func (e *Entry) Expired(now time.Time) bool {
	return !e.Event.ExpireAt.IsZero() && !now.Before(e.Event.ExpireAt)
}

// Entry is one stream entry as read back. Its Event.Payload may share
// memory with the Redis reply it was read from: read it, never write to it.
type Entry struct {
	ID    ID
	Event Event
	// Extra holds fields outside Sluice's layout, e.g. from producers that
	// write with redis-cli; names that are not valid UTF-8 are Go-quoted.
	Extra map[string][]byte
}

// Time is the entry's publish time, from its ID.
func (e *Entry) Time() time.Time { return e.ID.Time() }

// fields returns the XADD field/value pairs for ev, in a stable order.
func (ev *Event) fields() []any {
	return ev.appendFields(make([]any, 0, ev.fieldCount()), nil)
}

// fieldCount is the length of ev's field/value list, at most.
func (ev *Event) fieldCount() int { return 14 + 2*len(ev.Headers) }

// appendFields appends ev's field/value pairs to f. With b, a type, version
// or content type equal to the previous event's reuses its boxed value:
// events of one batch mostly share them.
func (ev *Event) appendFields(f []any, b *boxes) []any {
	f = append(f, FieldType, b.box(0, ev.Type))
	if ev.Version != "" {
		f = append(f, FieldVersion, b.box(1, ev.Version))
	}
	if ev.ContentType != "" {
		f = append(f, FieldContentType, b.box(2, ev.ContentType))
	}
	if ev.Key != "" {
		f = append(f, FieldKey, ev.Key)
	}
	if !ev.ExpireAt.IsZero() {
		f = append(f, FieldExpireAt, strconv.FormatInt(ev.ExpireAt.UnixMilli(), 10))
	}
	if ev.TTL > 0 {
		f = append(f, FieldTTL, strconv.FormatInt(ev.TTL.Milliseconds(), 10))
	}
	for k, v := range ev.Headers {
		f = append(f, HeaderPrefix+k, v)
	}
	// Payload last: redis-cli shows the readable fields first.
	f = append(f, FieldPayload, ev.Payload)
	return f
}

// boxes keeps the last few strings converted to interface values, so that
// a batch converts (and allocates) a repeated one once.
type boxes struct {
	last  [3]string
	boxed [3]any
}

func (b *boxes) box(i int, s string) any {
	if b == nil {
		return s
	}
	if b.boxed[i] == nil || b.last[i] != s {
		b.last[i], b.boxed[i] = s, s
	}
	return b.boxed[i]
}

// decodeEntry turns the field map go-redis returns into an Entry. It never
// fails: fields it cannot place go to Extra, so entries from any producer are
// delivered.
func decodeEntry(id ID, values map[string]any) Entry {
	e := Entry{ID: id}
	for name, raw := range values {
		v := valueString(raw)
		switch {
		case name == FieldPayload:
			e.Event.Payload = readOnlyBytes(v)
			continue
		case !utf8.ValidString(v):
			// The other layout fields are text; a binary value stays raw.
		case name == FieldType:
			e.Event.Type = v
			continue
		case name == FieldVersion:
			e.Event.Version = v
			continue
		case name == FieldContentType:
			e.Event.ContentType = v
			continue
		case name == FieldKey:
			e.Event.Key = v
			continue
		case name == FieldDeliverAt:
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
				e.Event.DeliverAt = time.UnixMilli(ms)
				continue
			}
		case name == FieldExpireAt:
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
				if at := time.UnixMilli(ms); e.Event.ExpireAt.IsZero() || at.Before(e.Event.ExpireAt) {
					e.Event.ExpireAt = at
				}
				continue
			}
		case name == FieldTTL:
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
				e.Event.TTL = time.Duration(ms) * time.Millisecond
				if at := id.Time().Add(e.Event.TTL); e.Event.ExpireAt.IsZero() || at.Before(e.Event.ExpireAt) {
					e.Event.ExpireAt = at
				}
				continue
			}
		case strings.HasPrefix(name, HeaderPrefix) && len(name) > len(HeaderPrefix) && utf8.ValidString(name):
			if e.Event.Headers == nil {
				e.Event.Headers = make(map[string]string)
			}
			e.Event.Headers[name[len(HeaderPrefix):]] = v
			continue
		}
		if e.Extra == nil {
			e.Extra = make(map[string][]byte)
		}
		if !utf8.ValidString(name) {
			name = strconv.Quote(name)
		}
		e.Extra[name] = []byte(v)
	}
	return e
}

// readOnlyBytes is s's bytes without a copy: the payload is the largest
// part of an entry, and nothing in Sluice writes to a read entry's payload
// (it is encoded, converted or compared). Entry.Event.Payload must be
// treated as read-only.
func readOnlyBytes(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

func valueString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case nil:
		return ""
	default:
		// go-redis returns strings for stream values; show anything else
		// rather than drop it.
		return fmt.Sprint(v)
	}
}
