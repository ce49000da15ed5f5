package server_test

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/vtcodec"
)

// sluiced decodes Publish and Ack requests with vtprotobuf, which does not
// check that strings are UTF-8 (see internal/vtcodec): the handlers must.
// For every string in those requests, found from the descriptors, a request
// with that one string made invalid gets INVALID_ARGUMENT naming the field,
// and nothing is written. A new string field fails the test until its base
// request below sets it (and so until the handler is shown to check it).
func TestInvalidUTF8(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{DescriptorSet: "../gen/sluice.binpb"})
		full := &sluicev1.Event{Type: "demo.v1.Ping", Version: "v1", ContentType: "application/octet-stream",
			Headers: map[string]string{"h": "v"}, Key: "k", IdempotencyKey: "i",
			Data: &sluicev1.Event_Payload{Payload: []byte{0xff}}}
		asJSON := &sluicev1.Event{Type: "demo.v1.Unknown", Data: &sluicev1.Event_Json{Json: `{"a":"b"}`}}
		if _, err := e.s.Admin.CreateTopic(e.ctx, &sluicev1.CreateTopicRequest{Topic: "utf8-topic", Partitions: 2}); err != nil {
			t.Fatal(err)
		}
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: "utf8-acks", Group: "g"})
		e.publish("utf8-acks", ev("demo.v1.Ping", "x"))
		ackID := s.next(1)[0].GetAckId()

		bases := []struct {
			method string
			req    proto.Message
		}{
			{sluicev1.PublisherService_Publish_FullMethodName, &sluicev1.PublishRequest{Stream: "utf8", Events: []*sluicev1.Event{full, asJSON}}},
			{sluicev1.PublisherService_Publish_FullMethodName, &sluicev1.PublishRequest{Topic: "utf8-topic", Events: []*sluicev1.Event{full}}},
			{sluicev1.SubscriberService_Ack_FullMethodName, &sluicev1.AckRequest{AckIds: []string{ackID}}},
		}
		covered := map[string]bool{}
		for _, base := range bases {
			// The base request itself is fine.
			var out []byte
			raw, _ := vtcodec.Client.Marshal(base.req)
			in := raw.Materialize()
			if err := e.s.Conn.Invoke(e.ctx, base.method, &in, &out, grpc.ForceCodec(rawCodec{})); err != nil {
				t.Fatalf("base request %v: %v", base.req, err)
			}
			for _, c := range corruptions(base.req.ProtoReflect(), "") {
				covered[c.field] = true
				bad := proto.Clone(base.req)
				c.apply(bad.ProtoReflect())
				raw, err := vtcodec.Client.Marshal(bad) // protobuf-go would refuse to send it
				if err != nil {
					t.Fatal(err)
				}
				in := raw.Materialize()
				err = e.s.Conn.Invoke(e.ctx, base.method, &in, &out, grpc.ForceCodec(rawCodec{}))
				if status.Code(err) != codes.InvalidArgument {
					t.Errorf("%s with invalid UTF-8 in %s: got %v, want InvalidArgument", base.method, c.field, err)
				}
			}
		}
		for _, m := range []proto.Message{&sluicev1.PublishRequest{}, &sluicev1.AckRequest{}} {
			for _, f := range stringFields(m.ProtoReflect().Descriptor(), "", nil) {
				if !covered[f] {
					t.Errorf("string field %s is not set in any base request of this test: set it, and check it in the handler", f)
				}
			}
		}
		// Only the base requests were written: two of them to "utf8" and
		// the topic, one delivery for the ack.
		if n := e.r.Client.XLen(e.ctx, "utf8").Val(); n != 2 {
			t.Errorf("stream has %d entries, want the 2 of the valid request", n)
		}
	})
}

type corruption struct {
	field string
	apply func(protoreflect.Message)
}

const invalidUTF8 = "a\xffb"

// corruptions lists, for every string set in m (fields, list elements, map
// keys and values, recursively), a change that makes it invalid UTF-8.
// Paths name fields without indexes or keys: "events.headers.value".
func corruptions(m protoreflect.Message, prefix string) []corruption {
	var out []corruption
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		path := prefix + string(fd.Name())
		switch {
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				if fd.MapKey().Kind() == protoreflect.StringKind {
					out = append(out, corruption{path + ".key", func(m protoreflect.Message) {
						mp := m.Mutable(fd).Map()
						val := mp.Get(k)
						mp.Clear(k)
						mp.Set(protoreflect.ValueOfString(invalidUTF8).MapKey(), val)
					}})
				}
				if fd.MapValue().Kind() == protoreflect.StringKind {
					out = append(out, corruption{path + ".value", func(m protoreflect.Message) {
						m.Mutable(fd).Map().Set(k, protoreflect.ValueOfString(invalidUTF8))
					}})
				}
				return true
			})
		case fd.IsList():
			for i := 0; i < v.List().Len(); i++ {
				switch fd.Kind() {
				case protoreflect.StringKind:
					out = append(out, corruption{path, func(m protoreflect.Message) {
						m.Mutable(fd).List().Set(i, protoreflect.ValueOfString(invalidUTF8))
					}})
				case protoreflect.MessageKind:
					for _, c := range corruptions(v.List().Get(i).Message(), path+".") {
						out = append(out, corruption{c.field, func(m protoreflect.Message) {
							c.apply(m.Mutable(fd).List().Get(i).Message())
						}})
					}
				}
			}
		case fd.Kind() == protoreflect.StringKind:
			out = append(out, corruption{path, func(m protoreflect.Message) { m.Set(fd, protoreflect.ValueOfString(invalidUTF8)) }})
		case fd.Kind() == protoreflect.MessageKind:
			for _, c := range corruptions(v.Message(), path+".") {
				out = append(out, corruption{c.field, func(m protoreflect.Message) { c.apply(m.Mutable(fd).Message()) }})
			}
		}
		return true
	})
	return out
}

// stringFields lists the paths of every string a message of type md can
// hold, in the form corruptions uses.
func stringFields(md protoreflect.MessageDescriptor, prefix string, seen []protoreflect.FullName) []string {
	for _, s := range seen {
		if s == md.FullName() {
			return nil
		}
	}
	seen = append(seen, md.FullName())
	var out []string
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		path := prefix + string(fd.Name())
		switch {
		case fd.IsMap():
			if fd.MapKey().Kind() == protoreflect.StringKind {
				out = append(out, path+".key")
			}
			if fd.MapValue().Kind() == protoreflect.StringKind {
				out = append(out, path+".value")
			}
		case fd.Kind() == protoreflect.StringKind:
			out = append(out, path)
		case fd.Kind() == protoreflect.MessageKind:
			out = append(out, stringFields(fd.Message(), path+".", seen)...)
		}
	}
	return out
}
