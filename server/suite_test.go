package server_test

// The behaviour suite: every test runs through a real gRPC connection against
// each backend in testredis.Backends (a real redis-server, the embedded
// miniredis, and a 3-master Cluster).

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	ordersv1 "github.com/sluice-io/sluice/gen/go/examples/orders/v1"
	ordersv2 "github.com/sluice-io/sluice/gen/go/examples/orders/v2"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/server"
)

func TestPublishSubscribeAck(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, group := name(t, "s"), name(t, "g")
		first := &sluicev1.Event{
			Type:    "examples.orders.v1.OrderCreated",
			Data:    &sluicev1.Event_Payload{Payload: mustMarshal(t, &ordersv1.OrderCreated{OrderId: "o1"})},
			Key:     "customer-1",
			Headers: map[string]string{"traceparent": "00-abc-def-01"},
		}
		published := e.publish(stream, first, ev("demo.v2.Ping", "two"), ev("Ping", "three"))
		if !(published[0] < published[1] || len(published[0]) < len(published[1])) && published[0] >= published[1] {
			t.Fatalf("IDs not increasing: %v", published)
		}
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group, Start: earliest()})
		if s.info.GetConsumer() == "" || s.info.GetGroup() != group || s.info.GetStream() != stream {
			t.Fatalf("subscription info %v", s.info)
		}
		got := s.next(3)
		if !slices.Equal(ids(got), published) {
			t.Fatalf("delivered %v, published %v", ids(got), published)
		}
		m := got[0]
		evt := m.GetEvent()
		if evt.GetType() != first.Type || evt.GetVersion() != "v1" || evt.GetKey() != "customer-1" ||
			evt.GetHeaders()["traceparent"] != "00-abc-def-01" || evt.GetContentType() != "application/protobuf" ||
			!proto.Equal(evt, evt) || m.GetDeliveryAttempt() != 1 || m.GetAckId() == "" {
			t.Fatalf("first message: %v", m)
		}
		if pt := evt.GetPublishTime().AsTime(); time.Since(pt) > time.Minute || time.Since(pt) < 0 {
			t.Fatalf("publish time %v", pt)
		}
		var o ordersv1.OrderCreated
		if err := proto.Unmarshal(evt.GetPayload(), &o); err != nil || o.GetOrderId() != "o1" {
			t.Fatalf("payload: %v %v", &o, err)
		}
		if got[1].GetEvent().GetVersion() != "v2" || got[2].GetEvent().GetVersion() != "" {
			t.Fatalf("derived versions %q %q", got[1].GetEvent().GetVersion(), got[2].GetEvent().GetVersion())
		}
		if pending := e.r.Client.XPending(e.ctx, stream, group).Val().Count; pending != 3 {
			t.Fatalf("pending before ack = %d, want 3", pending)
		}
		want := []sluicev1.AckStatus{sluicev1.AckStatus_ACK_STATUS_ACKED, sluicev1.AckStatus_ACK_STATUS_ACKED, sluicev1.AckStatus_ACK_STATUS_ACKED}
		if st := e.ack(ackIDs(got)...); !slices.Equal(st, want) {
			t.Fatalf("ack statuses %v", st)
		}
		// Acking again is no error, and says the message was not pending.
		if st := e.ack(got[0].GetAckId(), got[0].GetAckId()); !slices.Equal(st, []sluicev1.AckStatus{
			sluicev1.AckStatus_ACK_STATUS_NOT_PENDING, sluicev1.AckStatus_ACK_STATUS_NOT_PENDING}) {
			t.Fatalf("second ack statuses %v", st)
		}
		if pending := e.r.Client.XPending(e.ctx, stream, group).Val().Count; pending != 0 {
			t.Fatalf("pending after ack = %d", pending)
		}
		// New entries reach the open subscription.
		later := e.publish(stream, ev("Ping", "four"))
		if got := s.next(1); got[0].GetId() != later[0] {
			t.Fatalf("got %s, want %s", got[0].GetId(), later[0])
		}
		s.none(100 * time.Millisecond)
	})
}

// The stream entry layout is the README's promise to redis-cli users.
func TestEntryLayout(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		e.publish(stream, &sluicev1.Event{
			Type: "examples.orders.v1.OrderCreated", Key: "k1",
			Headers: map[string]string{"traceparent": "tp"},
			Data:    &sluicev1.Event_Payload{Payload: []byte{1, 2, 3}},
		})
		msgs := e.r.Client.XRange(e.ctx, stream, "-", "+").Val()
		if len(msgs) != 1 {
			t.Fatalf("XRANGE = %v", msgs)
		}
		want := map[string]any{
			"type": "examples.orders.v1.OrderCreated", "version": "v1", "content_type": "application/protobuf",
			"key": "k1", "h:traceparent": "tp", "payload": "\x01\x02\x03",
		}
		if got := msgs[0].Values; len(got) != len(want) {
			t.Fatalf("fields %v, want %v", got, want)
		}
		for k, v := range want {
			if msgs[0].Values[k] != v {
				t.Errorf("field %s = %q, want %q", k, msgs[0].Values[k], v)
			}
		}
	})
}

func TestGroupStartPositions(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		old := e.publish(stream, ev("A", "a"), ev("B", "b"))
		// A mark between the millisecond of old's entries and that of mid's.
		mark := clockPast(t, old[1])
		clockPast(t, fmt.Sprintf("%d-0", mark.UnixMilli()))
		mid := e.publish(stream, ev("C", "c"))

		cases := []struct {
			name  string
			start *sluicev1.StartPosition
			want  []string
		}{
			{"newest", nil, nil},
			{"earliest", earliest(), append(slices.Clone(old), mid...)},
			{"after_id", &sluicev1.StartPosition{Position: &sluicev1.StartPosition_AfterId{AfterId: old[0]}}, append(old[1:2:2], mid...)},
			{"time", &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Time{Time: timestamppb.New(mark)}}, mid},
		}
		subs := make([]*sub, len(cases))
		for i, c := range cases {
			subs[i] = e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: name(t, "g-"+c.name), Start: c.start})
		}
		newer := e.publish(stream, ev("D", "d"))
		for i, c := range cases {
			want := append(slices.Clone(c.want), newer...)
			if got := ids(subs[i].next(len(want))); !slices.Equal(got, want) {
				t.Errorf("%s: got %v, want %v", c.name, got, want)
			}
			subs[i].none(50 * time.Millisecond)
		}
		// An existing group keeps its position: the start of a later
		// subscriber does not move it.
		group := name(t, "g-existing")
		first := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group})
		first.cancel()
		again := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group, Start: earliest()})
		again.none(100 * time.Millisecond)
	})
}

func TestGroupOnMissingStreamCreatesIt(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g"})
		if n := e.r.Client.Exists(e.ctx, stream).Val(); n != 1 {
			t.Fatal("stream was not created")
		}
		id := e.publish(stream, ev("A", "a"))
		if got := s.next(1); got[0].GetId() != id[0] {
			t.Fatalf("got %v", got[0])
		}
	})
}

func TestIndependentReaders(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		old := e.publish(stream, ev("A", "a"), ev("B", "b"))
		all := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Start: earliest()})
		all2 := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Start: earliest()})
		replay := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream,
			Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_AfterId{AfterId: old[0]}}})
		fresh := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream})
		if fresh.info.GetGroup() != "" || fresh.info.GetConsumer() != "" {
			t.Fatalf("reader info %v", fresh.info)
		}
		newer := e.publish(stream, ev("C", "c"))
		everything := append(slices.Clone(old), newer...)
		for _, s := range []*sub{all, all2} {
			got := s.next(3)
			if !slices.Equal(ids(got), everything) {
				t.Fatalf("reader got %v, want %v", ids(got), everything)
			}
			for _, m := range got {
				if m.GetAckId() != "" || m.GetDeliveryAttempt() != 0 {
					t.Fatalf("reader message has ack data: %v", m)
				}
			}
		}
		if got := ids(replay.next(2)); !slices.Equal(got, everything[1:]) {
			t.Fatalf("replay got %v", got)
		}
		if got := ids(fresh.next(1)); !slices.Equal(got, newer) {
			t.Fatalf("newest reader got %v", got)
		}
		for _, s := range []*sub{all, replay, fresh} {
			s.none(50 * time.Millisecond)
		}
		// Readers create no groups and leave nothing pending.
		if groups, _ := e.r.Client.XInfoGroups(e.ctx, stream).Result(); len(groups) != 0 {
			t.Fatalf("groups: %v", groups)
		}
	})
}

func TestFlowControl(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, group := name(t, "s"), name(t, "g")
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group, MaxInFlight: 5})
		var events []*sluicev1.Event
		for i := 0; i < 20; i++ {
			events = append(events, ev("N", "x"))
		}
		e.publish(stream, events...)
		got := s.next(5)
		s.none(300 * time.Millisecond)
		e.ack(ackIDs(got[:2])...)
		got = append(got[2:], s.next(2)...)
		s.none(200 * time.Millisecond)
		// An ack that bypasses this server (another replica, or redis-cli)
		// frees credit too, once Redis is asked.
		if err := e.r.Client.XAck(e.ctx, stream, group, ids(got[:3])...).Err(); err != nil {
			t.Fatal(err)
		}
		got = append(got[3:], s.next(3)...)
		s.none(400 * time.Millisecond)
		if n := e.r.Client.XPending(e.ctx, stream, group).Val().Count; n != 5 {
			t.Fatalf("pending = %d, want 5", n)
		}
		e.ack(ackIDs(got)...)
		s.next(5)
	})
}

func TestConsumersShareAGroup(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, group := name(t, "s"), name(t, "g")
		const nSubs, nMsgs = 20, 1000
		subs := make([]*sub, nSubs)
		for i := range subs {
			subs[i] = e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group, MaxInFlight: 10})
		}
		before := connectedClients(t, e)
		for i := 0; i < nMsgs; i += 100 {
			var batch []*sluicev1.Event
			for j := 0; j < 100; j++ {
				batch = append(batch, ev("N", "x"))
			}
			e.publish(stream, batch...)
		}
		seen := make(map[string]int)
		perSub := make([]int, nSubs)
		testkit.Progress(t, nMsgs, func() int {
			for i, s := range subs {
				select {
				case m := <-s.msgs:
					seen[m.GetId()]++
					perSub[i]++
					e.ack(m.GetAckId())
				default:
				}
			}
			return len(seen)
		})
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("%s delivered %d times", id, n)
			}
		}
		for i, n := range perSub {
			if n == 0 {
				t.Errorf("subscriber %d got nothing: %v", i, perSub)
			}
		}
		if after := connectedClients(t, e); e.r.Real() && after > before+2 {
			t.Errorf("redis connections grew from %d to %d while delivering to %d subscriptions", before, after, nSubs)
		}
		if n := e.r.Client.XPending(e.ctx, stream, group).Val().Count; n != 0 {
			t.Fatalf("pending = %d", n)
		}
	})
}

// connectedClients is Redis's connected_clients (real Redis only).
func connectedClients(t *testing.T, e *env) int {
	if !e.r.Real() || e.r.Cluster != nil {
		return 0
	}
	info := e.r.Client.Info(e.ctx, "clients").Val()
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_clients:"); ok {
			var n int
			for _, c := range v {
				n = n*10 + int(c-'0')
			}
			return n
		}
	}
	t.Fatalf("no connected_clients in %q", info)
	return 0
}

func TestForeignEntriesAreDelivered(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g"})
		add := func(values ...any) string {
			id, err := e.r.Client.XAdd(e.ctx, &redis.XAddArgs{Stream: stream, Values: values}).Result()
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		plain := add("order_id", "o9", "amount", "12")
		binary := add("type", "x.Y", "payload", "\xff\x00", "\xfe", "bin", "h:ok", "v", "key", "\xff")
		got := s.next(2)
		if got[0].GetId() != plain || string(got[0].GetExtraFields()["order_id"]) != "o9" ||
			string(got[0].GetExtraFields()["amount"]) != "12" || got[0].GetEvent().GetType() != "" {
			t.Fatalf("plain entry delivered as %v", got[0])
		}
		m := got[1]
		if m.GetId() != binary || m.GetEvent().GetType() != "x.Y" || string(m.GetEvent().GetPayload()) != "\xff\x00" ||
			m.GetEvent().GetHeaders()["ok"] != "v" || string(m.GetExtraFields()[`"\xfe"`]) != "bin" ||
			string(m.GetExtraFields()["key"]) != "\xff" || m.GetEvent().GetKey() != "" {
			t.Fatalf("binary entry delivered as %v", m)
		}
		e.ack(ackIDs(got)...)
	})
}

func TestSchemas(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{DescriptorSet: "../gen/sluice.binpb"})
		stream := name(t, "s")
		const v1, v2 = "examples.orders.v1.OrderCreated", "examples.orders.v2.OrderCreated"
		jsonEv := func(typ, js string) *sluicev1.Event {
			return &sluicev1.Event{Type: typ, Data: &sluicev1.Event_Json{Json: js}}
		}
		// A batch with one bad event writes nothing, and the error names it.
		_, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: []*sluicev1.Event{
			jsonEv(v1, `{"orderId":"ok"}`), jsonEv(v1, `{"orderId":5}`)}})
		wantCode(t, err, codes.InvalidArgument)
		if !strings.Contains(err.Error(), "events[1].json") || !strings.Contains(err.Error(), v1) {
			t.Fatalf("error does not name the event: %v", err)
		}
		_, err = e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: []*sluicev1.Event{
			{Type: v1, Data: &sluicev1.Event_Payload{Payload: []byte{0x0a, 0x05, 'x'}}}}})
		wantCode(t, err, codes.InvalidArgument)
		if !strings.Contains(err.Error(), "events[0].payload") {
			t.Fatalf("error does not name the payload: %v", err)
		}
		if n := e.r.Client.Exists(e.ctx, stream).Val(); n != 0 {
			t.Fatal("a rejected batch wrote to Redis")
		}

		// JSON is stored as binary Protobuf; v1 and v2 share the stream.
		e.publish(stream,
			jsonEv(v1, `{"orderId":"o1","totalCents":"100"}`),
			jsonEv(v2, `{"orderId":"o2","totalCents":"200","currency":"EUR","items":[{"sku":"s1","quantity":2}]}`),
			jsonEv("unknown.v1.Thing", `{"free":"form"}`),
			&sluicev1.Event{Type: "unknown.v1.Blob", Data: &sluicev1.Event_Payload{Payload: []byte{0xff}}},
		)
		raw := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Start: earliest()})
		got := raw.next(4)
		// A v1 consumer reads both versions; a v2 consumer sees v1's new
		// fields empty.
		for _, m := range got[:2] {
			if m.GetEvent().GetContentType() != "application/protobuf" {
				t.Fatalf("content type %q", m.GetEvent().GetContentType())
			}
			var asV1 ordersv1.OrderCreated
			var asV2 ordersv2.OrderCreated
			if err := proto.Unmarshal(m.GetEvent().GetPayload(), &asV1); err != nil || asV1.GetOrderId() == "" {
				t.Fatalf("v1 view: %v %v", &asV1, err)
			}
			if err := proto.Unmarshal(m.GetEvent().GetPayload(), &asV2); err != nil {
				t.Fatal(err)
			}
			if m.GetEvent().GetVersion() == "v2" && (asV2.GetCurrency() != "EUR" || len(asV2.GetItems()) != 1) {
				t.Fatalf("v2 view of v2: %v", &asV2)
			}
			if m.GetEvent().GetVersion() == "v1" && asV2.GetCurrency() != "" {
				t.Fatalf("v2 view of v1: %v", &asV2)
			}
		}
		if got[2].GetEvent().GetContentType() != "application/json" || string(got[2].GetEvent().GetPayload()) != `{"free":"form"}` {
			t.Fatalf("unknown JSON stored as %v", got[2].GetEvent())
		}
		if string(got[3].GetEvent().GetPayload()) != "\xff" {
			t.Fatalf("opaque payload of unknown type altered: %v", got[3].GetEvent())
		}
		// Subscribers can ask for JSON.
		js := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Start: earliest(),
			PayloadFormat: sluicev1.PayloadFormat_PAYLOAD_FORMAT_JSON})
		got = js.next(4)
		compact := strings.ReplaceAll(got[1].GetEvent().GetJson(), " ", "")
		if !strings.Contains(compact, `"currency":"EUR"`) || got[2].GetEvent().GetJson() != `{"free":"form"}` {
			t.Fatalf("JSON delivery: %v / %v", got[1].GetEvent(), got[2].GetEvent())
		}
		if got[3].GetEvent().GetPayload() == nil || got[3].GetEvent().GetJson() != "" {
			t.Fatalf("opaque payload delivered as %v", got[3].GetEvent())
		}
	})
}

func TestWrongKeyType(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		key := name(t, "s")
		e.r.Client.Set(e.ctx, key, "not a stream", 0)
		_, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: key, Events: []*sluicev1.Event{ev("A", "a")}})
		wantCode(t, err, codes.FailedPrecondition)
		_, err = e.trySubscribe(&sluicev1.SubscribeRequest{Stream: key, Group: "g"})
		wantCode(t, err, codes.FailedPrecondition)
	})
}

func TestGroupDeletedWhileSubscribed(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, group := name(t, "s"), name(t, "g")
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group})
		if err := e.r.Client.XGroupDestroy(e.ctx, stream, group).Err(); err != nil {
			t.Fatal(err)
		}
		e.publish(stream, ev("A", "a"))
		if code := s.ended(); code != codes.NotFound {
			t.Fatalf("ended with %v, want NotFound", code)
		}
		// Subscribing again recreates the group.
		s = e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group})
		e.publish(stream, ev("B", "b"))
		s.next(1)
	})
}

func TestGracefulShutdownLeavesMessagesPending(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, group := name(t, "s"), name(t, "g")
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group, Consumer: "worker-1"})
		published := e.publish(stream, ev("A", "a"), ev("B", "b"), ev("C", "c"))
		got := s.next(3)
		e.ack(got[0].GetAckId())
		stopped := make(chan struct{})
		go func() { e.s.Stop(); close(stopped) }()
		if code := s.ended(); code != codes.Unavailable {
			t.Fatalf("stream ended with %v, want Unavailable", code)
		}
		testkit.Recv(t, stopped, "end of the server's graceful stop")
		pend := e.r.Client.XPendingExt(e.ctx, &redis.XPendingExtArgs{Stream: stream, Group: group, Start: "-", End: "+", Count: 10}).Val()
		if len(pend) != 2 || pend[0].ID != published[1] || pend[0].Consumer != "worker-1" {
			t.Fatalf("pending after shutdown: %v", pend)
		}
		// They were released at shutdown: after a restart any subscriber
		// gets them at once (not after the 30 s deadline), as second
		// attempts, then new ones.
		e.s.Restart()
		s = e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group})
		again := s.next(2)
		if !slices.Equal(ids(again), published[1:]) || again[0].GetDeliveryAttempt() != 2 {
			t.Fatalf("redelivered %v (attempt %d)", ids(again), again[0].GetDeliveryAttempt())
		}
		newer := e.publish(stream, ev("D", "d"))
		if m := s.next(1)[0]; m.GetId() != newer[0] || m.GetDeliveryAttempt() != 1 {
			t.Fatalf("after redeliveries: %v", m)
		}
		// The first delivery's ack ID is fenced off; the current one acks.
		if st := e.ack(got[1].GetAckId(), again[0].GetAckId()); !slices.Equal(st,
			[]sluicev1.AckStatus{sluicev1.AckStatus_ACK_STATUS_STALE, sluicev1.AckStatus_ACK_STATUS_ACKED}) {
			t.Fatalf("acks of old and new delivery: %v", st)
		}
	})
}

func TestPendingEntryTrimmedAwayIsCleanedUp(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, group := name(t, "s"), name(t, "g")
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group, Consumer: "c"})
		published := e.publish(stream, ev("A", "a"), ev("B", "b"))
		s.next(2)
		s.cancel()
		e.r.Client.XDel(e.ctx, stream, published[0])
		s = e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group, Consumer: "c"})
		if got := s.next(1); got[0].GetId() != published[1] {
			t.Fatalf("got %v", got[0])
		}
		s.none(100 * time.Millisecond)
		pend := e.r.Client.XPendingExt(e.ctx, &redis.XPendingExtArgs{Stream: stream, Group: group, Start: "-", End: "+", Count: 10}).Val()
		if len(pend) != 1 || pend[0].ID != published[1] {
			t.Fatalf("pending: %v", pend)
		}
	})
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Generated consumer names do not pile up in the group: one that holds
// nothing pending is deleted when its subscription ends; one that still
// holds a message stays (deleting it would drop the message).
func TestEphemeralConsumersAreCleanedUp(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		consumers := func(group string) map[string]int64 {
			out := map[string]int64{}
			for _, c := range e.r.Client.XInfoConsumers(e.ctx, stream, group).Val() {
				out[c.Name] = c.Pending
			}
			return out
		}
		// Each in its own group, so no other subscriber claims what the
		// closing one gives back.
		idle := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g-idle", Start: earliest()})
		busy := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g-busy", Start: earliest()})
		e.publish(stream, ev("A", "a"))
		e.ack(idle.next(1)[0].GetAckId())
		busy.next(1)
		if len(consumers("g-idle")) != 1 || len(consumers("g-busy")) != 1 {
			t.Fatalf("consumers before: %v %v", consumers("g-idle"), consumers("g-busy"))
		}
		idle.cancel()
		busy.cancel()
		testkit.Eventually(t, func() error {
			if cs := consumers("g-idle"); len(cs) != 0 {
				return fmt.Errorf("idle generated consumer still in its group: %v", cs)
			}
			return nil
		})
		// The busy one's Close gives its message back (its idle time jumps
		// to its deadline), then would delete the consumer; the graceful
		// stop waits for the Close to end.
		testkit.Eventually(t, func() error {
			p := e.r.Client.XPendingExt(e.ctx, &redis.XPendingExtArgs{Stream: stream, Group: "g-busy", Start: "-", End: "+", Count: 1}).Val()
			if len(p) != 1 || p[0].Idle < server.DefaultAckDeadline {
				return fmt.Errorf("the busy subscription's message was not given back: %+v", p)
			}
			return nil
		})
		e.s.Stop()
		if cs := consumers("g-busy"); cs[busy.info.GetConsumer()] != 1 || len(cs) != 1 {
			t.Fatalf("the consumer holding a message was removed: %v", cs)
		}
	})
}

// clockPast waits until the clock (Redis's and this process's are the
// same) is past the millisecond of entry ID id, and returns its reading.
func clockPast(t *testing.T, id string) time.Time {
	t.Helper()
	msPart, _, _ := strings.Cut(id, "-")
	ms, err := strconv.ParseInt(msPart, 10, 64)
	if err != nil {
		t.Fatalf("entry ID %q: %v", id, err)
	}
	var now time.Time
	testkit.Eventually(t, func() error {
		if now = time.Now(); now.UnixMilli() <= ms {
			return fmt.Errorf("clock at %d ms, not past %d", now.UnixMilli(), ms)
		}
		return nil
	})
	return now
}
