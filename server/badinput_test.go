package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
)

// Every bad request gets InvalidArgument with a message that names the
// problem, and nothing reaches Redis.
func TestBadInput(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{MaxPayloadBytes: 1024, MaxBatch: 10, DescriptorSet: "../gen/sluice.binpb"})
		good := func() *sluicev1.Event { return ev("demo.v1.Ping", "x") }
		many := func(n int) []*sluicev1.Event {
			out := make([]*sluicev1.Event, n)
			for i := range out {
				out[i] = good()
			}
			return out
		}
		headers := func(n int) map[string]string {
			h := make(map[string]string)
			for i := 0; i < n; i++ {
				h[strings.Repeat("h", i+1)] = "v"
			}
			return h
		}
		with := func(f func(*sluicev1.Event)) []*sluicev1.Event {
			e := good()
			f(e)
			return []*sluicev1.Event{good(), e}
		}
		publishCases := []struct {
			name    string
			stream  string
			events  []*sluicev1.Event
			mention string
		}{
			{"empty stream", "", many(1), "stream name is empty"},
			{"bad stream chars", "a b", many(1), "outside [A-Za-z0-9._:-]"},
			{"stream with braces", "{orders}", many(1), "outside"},
			{"reserved stream", "sluice:dlq", many(1), "reserved"},
			{"long stream", strings.Repeat("s", 201), many(1), "limit is 200"},
			{"no events", "s", nil, "no events"},
			{"too many events", "s", many(11), "limit is 10"},
			{"no type", "s", with(func(e *sluicev1.Event) { e.Type = "" }), "events[1].type"},
			{"bad type", "s", with(func(e *sluicev1.Event) { e.Type = "a..b" }), "events[1].type"},
			{"bad version", "s", with(func(e *sluicev1.Event) { e.Version = "v 1" }), "events[1].version"},
			{"payload too big", "s", with(func(e *sluicev1.Event) {
				e.Data = &sluicev1.Event_Payload{Payload: make([]byte, 1025)}
			}), "events[1].payload"},
			{"json too big", "s", with(func(e *sluicev1.Event) {
				e.Data = &sluicev1.Event_Json{Json: `"` + strings.Repeat("j", 1100) + `"`}
			}), "events[1].json"},
			{"bad json", "s", with(func(e *sluicev1.Event) { e.Data = &sluicev1.Event_Json{Json: "{"} }), "not valid JSON"},
			{"json content type not json", "s", with(func(e *sluicev1.Event) {
				e.ContentType = "application/json"
				e.Data = &sluicev1.Event_Payload{Payload: []byte("{")}
			}), "events[1].payload"},
			{"control char content type", "s", with(func(e *sluicev1.Event) { e.ContentType = "a\nb" }), "content_type"},
			{"too many headers", "s", with(func(e *sluicev1.Event) { e.Headers = headers(65) }), "headers"},
			{"bad header name", "s", with(func(e *sluicev1.Event) { e.Headers = map[string]string{"a:b": "v"} }), "header name"},
			{"long header value", "s", with(func(e *sluicev1.Event) {
				e.Headers = map[string]string{"h": strings.Repeat("v", 4097)}
			}), "limit is 4096"},
			{"long key", "s", with(func(e *sluicev1.Event) { e.Key = strings.Repeat("k", 1025) }), "events[1].key"},
			{"schema mismatch", "s", with(func(e *sluicev1.Event) {
				e.Type = "examples.orders.v1.OrderCreated"
				e.ContentType = ""
				e.Data = &sluicev1.Event_Payload{Payload: []byte{0xff}}
			}), "does not decode"},
		}
		for _, c := range publishCases {
			stream := c.stream
			if stream == "s" {
				stream = name(t, "s")
			}
			_, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: c.events})
			if status.Code(err) != codes.InvalidArgument {
				t.Errorf("%s: got %v, want InvalidArgument", c.name, err)
				continue
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, c.mention)
			}
		}

		subCases := []struct {
			name    string
			req     *sluicev1.SubscribeRequest
			mention string
		}{
			{"empty stream", &sluicev1.SubscribeRequest{}, "stream"},
			{"bad group", &sluicev1.SubscribeRequest{Stream: "s", Group: "a/b"}, "group"},
			{"bad consumer", &sluicev1.SubscribeRequest{Stream: "s", Group: "g", Consumer: "c c"}, "consumer"},
			{"consumer without group", &sluicev1.SubscribeRequest{Stream: "s", Consumer: "c"}, "needs a group"},
			{"negative in-flight", &sluicev1.SubscribeRequest{Stream: "s", Group: "g", MaxInFlight: -1}, "max_in_flight"},
			{"absurd in-flight", &sluicev1.SubscribeRequest{Stream: "s", Group: "g", MaxInFlight: 1 << 30}, "max_in_flight"},
			{"bad after_id", &sluicev1.SubscribeRequest{Stream: "s", Group: "g",
				Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_AfterId{AfterId: "x-1"}}}, "after_id"},
			{"bad time", &sluicev1.SubscribeRequest{Stream: "s", Group: "g",
				Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Time{Time: &timestamppb.Timestamp{Nanos: -1}}}}, "start.time"},
			{"unknown edge", &sluicev1.SubscribeRequest{Stream: "s", Group: "g",
				Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: 7}}}, "edge"},
			{"unknown payload format", &sluicev1.SubscribeRequest{Stream: "s", PayloadFormat: 9}, "payload_format"},
			{"negative ack deadline", &sluicev1.SubscribeRequest{Stream: "s", Group: "g", AckDeadline: durationpb.New(-time.Second)}, "ack_deadline"},
			{"absurd ack deadline", &sluicev1.SubscribeRequest{Stream: "s", Group: "g", AckDeadline: durationpb.New(1000 * time.Hour)}, "ack_deadline"},
			{"invalid duration", &sluicev1.SubscribeRequest{Stream: "s", Group: "g", AckDeadline: &durationpb.Duration{Seconds: 1, Nanos: -5}}, "ack_deadline"},
			{"negative max deliveries", &sluicev1.SubscribeRequest{Stream: "s", Group: "g", MaxDeliveries: -1}, "max_deliveries"},
			{"backoff max below min", &sluicev1.SubscribeRequest{Stream: "s", Group: "g", RetryPolicy: &sluicev1.RetryPolicy{
				MinimumBackoff: durationpb.New(time.Minute), MaximumBackoff: durationpb.New(time.Second)}}, "maximum_backoff"},
			{"policy without group", &sluicev1.SubscribeRequest{Stream: "s", MaxDeliveries: 3}, "need a group"},
		}
		for _, c := range subCases {
			_, err := e.trySubscribe(c.req)
			if status.Code(err) != codes.InvalidArgument {
				t.Errorf("%s: got %v, want InvalidArgument", c.name, err)
				continue
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, c.mention)
			}
		}

		// Ack: one undecodable ID fails the request and acks nothing.
		stream := name(t, "s")
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g"})
		e.publish(stream, good())
		valid := s.next(1)[0].GetAckId()
		for _, bad := range []string{"", "!!", "AQ", valid[:len(valid)-2], valid + "AA", strings.Repeat("A", 5000)} {
			_, err := e.s.Sub.Ack(e.ctx, &sluicev1.AckRequest{AckIds: []string{valid, bad}})
			wantCode(t, err, codes.InvalidArgument)
			if !strings.Contains(err.Error(), "ack_ids[1]") {
				t.Errorf("ack error %q does not name the ID", err)
			}
		}
		_, err := e.s.Sub.Ack(e.ctx, &sluicev1.AckRequest{})
		wantCode(t, err, codes.InvalidArgument)
		_, err = e.s.Sub.Nack(e.ctx, &sluicev1.NackRequest{AckIds: []string{valid}, Delay: durationpb.New(-time.Second)})
		wantCode(t, err, codes.InvalidArgument)
		_, err = e.s.Sub.Nack(e.ctx, &sluicev1.NackRequest{AckIds: []string{valid}, Reason: strings.Repeat("r", 1025)})
		wantCode(t, err, codes.InvalidArgument)
		_, err = e.s.Sub.ExtendAckDeadline(e.ctx, &sluicev1.ExtendAckDeadlineRequest{AckIds: []string{valid}})
		wantCode(t, err, codes.InvalidArgument)
		_, err = e.s.Sub.ExtendAckDeadline(e.ctx, &sluicev1.ExtendAckDeadlineRequest{AckIds: []string{valid}, AckDeadline: durationpb.New(time.Hour)})
		wantCode(t, err, codes.InvalidArgument)
		_, err = e.s.Sub.Ack(e.ctx, &sluicev1.AckRequest{AckIds: make([]string, 10001)})
		wantCode(t, err, codes.InvalidArgument)
		_, err = e.s.DL.ListDeadLetters(e.ctx, &sluicev1.ListDeadLettersRequest{Stream: stream, PageSize: -1})
		wantCode(t, err, codes.InvalidArgument)
		_, err = e.s.DL.ListDeadLetters(e.ctx, &sluicev1.ListDeadLettersRequest{Stream: stream, PageToken: "nope"})
		wantCode(t, err, codes.InvalidArgument)
		_, err = e.s.DL.PurgeDeadLetters(e.ctx, &sluicev1.PurgeDeadLettersRequest{Stream: stream, Ids: []string{"x"}})
		wantCode(t, err, codes.InvalidArgument)

		// Bytes that are not a valid request never reach Sluice's code:
		// grpc-go itself answers INTERNAL ("failed to unmarshal"), also for
		// a field of the wrong wire type (Publish requests are decoded by
		// vtprotobuf, which refuses those; see internal/vtcodec). Invalid
		// UTF-8 in a string reaches the handler, which names the field
		// (TestInvalidUTF8 checks every string field).
		for _, c := range []struct {
			name string
			raw  []byte
			want codes.Code
		}{
			{"garbage", []byte{0xff, 0xff, 0xff, 0xff}, codes.Internal},
			{"invalid UTF-8 in stream", protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte("a\xffb")), codes.InvalidArgument},
			{"truncated event", protowire.AppendTag(protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte("s")), 2, protowire.BytesType), codes.Internal},
			{"wrong wire type", protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 7), codes.Internal},
		} {
			var out []byte
			err := e.s.Conn.Invoke(e.ctx, "/sluice.v1.PublisherService/Publish", &c.raw, &out, grpc.ForceCodec(rawCodec{}))
			if status.Code(err) != c.want || (c.want == codes.Internal && !strings.Contains(err.Error(), "unmarshal")) {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if n := e.r.Client.XPending(e.ctx, stream, "g").Val().Count; n != 1 {
			t.Fatalf("a failed Ack acked something: pending = %d", n)
		}

		// Nothing of the rejected requests reached Redis: only this test's
		// one stream exists (and the thresholds its subscription registered).
		keys, _ := e.r.Keys(e.ctx)
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == "{"+stream+"}:sluice:waits" })
		if len(keys) != 1 || keys[0] != stream {
			t.Fatalf("keys in Redis after bad input: %v", keys)
		}
		// And the server still serves.
		e.publish(stream, good())
		s.next(1)
	})
}

// rawCodec sends and receives bytes as they are, to speak malformed
// Protobuf to the server.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(b []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), b...)
	return nil
}
func (rawCodec) Name() string { return "proto" }
