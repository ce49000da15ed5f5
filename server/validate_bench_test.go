package server

import (
	"testing"
	"time"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/streams"
)

func BenchmarkAckIDEncode(b *testing.B) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for b.Loop() {
		_ = encodeAckID(key, "orders", "billing", streams.ID{Ms: 1700000000000, Seq: 7}, 1, time.Second, 3)
	}
}

func BenchmarkAckIDDecode(b *testing.B) {
	key := []byte("0123456789abcdef0123456789abcdef")
	id := encodeAckID(key, "orders", "billing", streams.ID{Ms: 1700000000000, Seq: 7}, 1, time.Second, 3)
	for b.Loop() {
		if _, err := decodeAckID(key, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAckIDDecodeAfter decodes as an Ack call's second and later IDs
// are: after one of the same stream and group.
func BenchmarkAckIDDecodeAfter(b *testing.B) {
	key := []byte("0123456789abcdef0123456789abcdef")
	id := encodeAckID(key, "orders", "billing", streams.ID{Ms: 1700000000000, Seq: 7}, 1, time.Second, 3)
	prev, err := decodeAckID(key, id)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := decodeAckIDAfter(key, id, &prev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateEvent(b *testing.B) {
	s := &Server{maxPayloadBytes: DefaultMaxPayloadBytes}
	ev := &sluicev1.Event{Type: "examples.orders.v1.OrderCreated", Key: "customer-42",
		Headers: map[string]string{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
		Data:    &sluicev1.Event_Payload{Payload: make([]byte, 256)}}
	var out streams.Event
	for b.Loop() {
		if err := s.toEntry(ev, &out); err != nil {
			b.Fatal(err)
		}
	}
}
