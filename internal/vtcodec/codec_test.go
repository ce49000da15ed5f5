package vtcodec

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
)

// full sets every kind of field the hot messages have: nested messages,
// maps, oneofs, repeated scalars, well-known types.
func full() []proto.Message {
	ev := &sluicev1.Event{
		Type: "orders.v1.OrderPlaced", Version: "v1", ContentType: "application/protobuf",
		Headers: map[string]string{"trace": "abc", "tenant": "é"}, Key: "k",
		PublishTime: timestamppb.New(time.Unix(1700000000, 123456789)), IdempotencyKey: "idem",
		Data: &sluicev1.Event_Payload{Payload: []byte{0, 1, 0xff, 'x'}},
	}
	jsonEv := &sluicev1.Event{Type: "t", Data: &sluicev1.Event_Json{Json: `{"a":1}`}}
	return []proto.Message{
		&sluicev1.SubscribeResponse{
			Subscription: &sluicev1.Subscription{Stream: "s", Group: "g", Consumer: "c", Topic: "t", Partitions: 3},
			Messages: []*sluicev1.Message{
				{AckId: "AQID", Id: "1-2", Event: ev, DeliveryAttempt: 2, ExtraFields: map[string][]byte{`"\xff"`: {0xff}}, Stream: "s", Partition: 1},
				{Id: "3-4", Event: jsonEv},
			},
			Assignment: &sluicev1.Assignment{Partitions: []int32{0, 2}},
		},
		&sluicev1.PublishRequest{Stream: "s", Events: []*sluicev1.Event{ev, jsonEv},
			Durability: &sluicev1.Durability{MinReplicas: 1, Aof: true, Timeout: durationpb.New(time.Second)}, Topic: "t"},
		&sluicev1.PublishResponse{Ids: []string{"1-1", "1-2"}, Replicas: 1, Partitions: []int32{4, 5}},
		&sluicev1.AckRequest{AckIds: []string{"a", "b"}},
		&sluicev1.AckResponse{Results: []*sluicev1.AckResult{{Status: sluicev1.AckStatus_ACK_STATUS_ACKED}, {Status: sluicev1.AckStatus_ACK_STATUS_STALE}}},
		&sluicev1.NackRequest{AckIds: []string{"a"}, Delay: durationpb.New(time.Minute), Reason: "why"},
		&sluicev1.SubscribeRequest{Stream: "s", Group: "g", MaxInFlight: 5, AckDeadline: durationpb.New(time.Second),
			RetryPolicy: &sluicev1.RetryPolicy{MinimumBackoff: durationpb.New(time.Second), MaximumBackoff: durationpb.New(time.Hour)}},
	}
}

// Both codecs write what protobuf-go reads and read what it writes.
func TestSameWireFormatAsProtobufGo(t *testing.T) {
	std := encoding.GetCodecV2("proto")
	for _, c := range []encoding.CodecV2{Server, Client} {
		for _, m := range full() {
			b, err := c.Marshal(m)
			if err != nil {
				t.Fatalf("%T: %v", m, err)
			}
			got := m.ProtoReflect().New().Interface()
			if err := std.Unmarshal(b, got); err != nil {
				t.Fatalf("%T: protobuf-go cannot read it: %v", m, err)
			}
			if !proto.Equal(got, m) {
				t.Errorf("%T: encoded %v, protobuf-go read %v", m, m, got)
			}

			b, err = std.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			got = m.ProtoReflect().New().Interface()
			if err := c.Unmarshal(b, got); err != nil {
				t.Fatalf("%T: %v", m, err)
			}
			if !proto.Equal(got, m) {
				t.Errorf("%T: protobuf-go encoded %v, read %v", m, m, got)
			}
		}
	}
}

// Large messages go through the codecs' buffer pool; the bytes must still be
// exactly the message.
func TestLargeMessage(t *testing.T) {
	m := &sluicev1.SubscribeResponse{}
	for i := range 500 {
		m.Messages = append(m.Messages, &sluicev1.Message{Id: "1-" + strings.Repeat("9", i%7), Event: &sluicev1.Event{
			Type: "t", Data: &sluicev1.Event_Payload{Payload: make([]byte, 256)}}})
	}
	b, err := Server.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != proto.Size(m) {
		t.Fatalf("%d bytes, want %d", b.Len(), proto.Size(m))
	}
	got := &sluicev1.SubscribeResponse{}
	if err := Client.Unmarshal(b, got); err != nil {
		t.Fatal(err)
	}
	b.Free()
	if !proto.Equal(got, m) {
		t.Fatal("large SubscribeResponse changed in a round trip")
	}
}

// vtprotobuf does not check UTF-8; protobuf-go does. The server decodes
// with vtprotobuf only the requests whose handlers check their strings
// (server.TestInvalidUTF8), every other request with protobuf-go, and encodes
// only the hot responses with vtprotobuf, so an admin response that would
// carry invalid UTF-8 fails as before.
func TestServerKeepsProtobufGoUTF8Checks(t *testing.T) {
	for _, c := range []struct {
		req     proto.Message
		checked bool // by the codec, not left to the handler
		into    func() proto.Message
	}{
		{&sluicev1.NackRequest{AckIds: []string{"x"}, Reason: "a\xffb"}, true, func() proto.Message { return &sluicev1.NackRequest{} }},
		{&sluicev1.SubscribeRequest{Stream: "a\xffb"}, true, func() proto.Message { return &sluicev1.SubscribeRequest{} }},
		{&sluicev1.PublishRequest{Stream: "a\xffb"}, false, func() proto.Message { return &sluicev1.PublishRequest{} }},
		{&sluicev1.AckRequest{AckIds: []string{"a\xffb"}}, false, func() proto.Message { return &sluicev1.AckRequest{} }},
	} {
		raw, err := Client.Marshal(c.req) // the client does not check: the server must
		if err != nil {
			t.Fatal(err)
		}
		err = Server.Unmarshal(raw, c.into())
		if got := err != nil && strings.Contains(err.Error(), "UTF-8"); got != c.checked {
			t.Errorf("%T: decoding checked UTF-8: %v, want %v (err %v)", c.req, got, c.checked, err)
		}
	}
	if _, err := Server.Marshal(&sluicev1.DescribeStreamResponse{Stream: &sluicev1.StreamInfo{Name: "a\xffb"}}); err == nil {
		t.Error("server encoded an admin response with invalid UTF-8")
	}
}

func TestNotAProtoMessage(t *testing.T) {
	if _, err := Client.Marshal("x"); err == nil {
		t.Error("marshalled a string")
	}
	if err := Client.Unmarshal(mem.BufferSlice{mem.SliceBuffer{1}}, new(int)); err == nil {
		t.Error("unmarshalled into an int")
	}
}

// FuzzServerDecode decodes the same bytes as each request sluiced reads with
// vtprotobuf, and with protobuf-go. No panic, and where both read a message
// it is the same, unknown fields aside. vtprotobuf is stricter about some
// malformed input (a known field with the wrong wire type, which protobuf-go
// skips) and looser about other (invalid UTF-8, which the handlers check:
// server.TestInvalidUTF8; groups or field number 0 among skipped fields):
// then the message the other one read must be well formed, reading back the
// same once encoded properly.
func FuzzServerDecode(f *testing.F) {
	for _, m := range full() {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x08, 0x07})             // stream (field 1) as a varint
	f.Add([]byte{0x12, 0x03, 0x0a, 0x01}) // truncated event
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, typ := range []proto.Message{&sluicev1.PublishRequest{}, &sluicev1.AckRequest{}} {
			if !serverDecodesVT(typ) {
				t.Fatalf("%T is not decoded with vtprotobuf any more: update this test", typ)
			}
			vt := typ.ProtoReflect().New().Interface()
			vtErr := Server.Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, vt)
			std := typ.ProtoReflect().New().Interface()
			stdErr := proto.UnmarshalOptions{}.Unmarshal(b, std)
			switch {
			case stdErr == nil && vtErr == nil:
				// Unknown fields are opaque to the handlers, and the two
				// keep them differently (protobuf-go re-encodes their tags;
				// vtprotobuf's well-known types drop theirs): compare the
				// rest.
				discardUnknown(vt.ProtoReflect())
				discardUnknown(std.ProtoReflect())
				if !proto.Equal(vt, std) {
					t.Fatalf("%T: vtprotobuf read %v, protobuf-go %v", typ, vt, std)
				}
			case stdErr == nil:
				// vtprotobuf is stricter here (a known field with the wrong
				// wire type, which protobuf-go skips as unknown): the request
				// is refused like garbage. What protobuf-go read, encoded as
				// any encoder would, must read the same.
				discardUnknown(std.ProtoReflect())
				clean, err := proto.Marshal(std)
				if err != nil {
					t.Fatal(err)
				}
				again := typ.ProtoReflect().New().Interface()
				if err := Server.Unmarshal(mem.BufferSlice{mem.SliceBuffer(clean)}, again); err != nil || !proto.Equal(again, std) {
					t.Fatalf("%T: without unknown fields, vtprotobuf reads %v (%v), want %v", typ, again, err, std)
				}
			case vtErr == nil && !strings.Contains(stdErr.Error(), "UTF-8"):
				discardUnknown(vt.ProtoReflect())
				clean, err := proto.Marshal(vt)
				if err != nil {
					continue // invalid UTF-8 as well
				}
				again := typ.ProtoReflect().New().Interface()
				if err := proto.Unmarshal(clean, again); err != nil || !proto.Equal(again, vt) {
					t.Fatalf("%T: without unknown fields, protobuf-go reads %v (%v)", typ, again, err)
				}
			}
		}
	})
}

func discardUnknown(m protoreflect.Message) {
	m.SetUnknown(nil)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
			for i := 0; i < v.List().Len(); i++ {
				discardUnknown(v.List().Get(i).Message())
			}
		case fd.IsMap():
		case fd.Kind() == protoreflect.MessageKind:
			discardUnknown(v.Message())
		}
		return true
	})
}
