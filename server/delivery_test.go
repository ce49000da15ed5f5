package server_test

// Behaviour suite for delivery guarantees: redelivery, nack, extend, reject,
// max deliveries, dead letters, idempotent publish. Timing assertions use the
// smallest deadline the API allows (1 s). A lower bound ("not before the
// deadline") counts from a moment taken before the deadline could start, so
// a slow machine cannot make it fail; how late a redelivery may come is not
// asserted beyond testkit.Wait, and where that matters the subscription's
// own deadline is made long (slow), so that a redelivery within testkit.Wait
// can only come from the operation under test.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
)

// fast is a group subscription with a 1 s deadline and no backoff.
func fast(stream, group string, maxInFlight int32) *sluicev1.SubscribeRequest {
	return &sluicev1.SubscribeRequest{Stream: stream, Group: group, MaxInFlight: maxInFlight,
		AckDeadline: durationpb.New(time.Second),
		RetryPolicy: &sluicev1.RetryPolicy{MinimumBackoff: durationpb.New(0), MaximumBackoff: durationpb.New(0)}}
}

// slow is a group subscription with the longest deadline (10 minutes):
// nothing it holds comes back within a test unless something sends it back.
func slow(stream, group string) *sluicev1.SubscribeRequest {
	return &sluicev1.SubscribeRequest{Stream: stream, Group: group, AckDeadline: durationpb.New(10 * time.Minute)}
}

// notBefore fails t if less than d has passed since start. Redis counts
// idle times in whole milliseconds, hence a millisecond of slack.
func notBefore(t *testing.T, what string, start time.Time, d time.Duration) {
	t.Helper()
	if took := time.Since(start); took < d-time.Millisecond {
		t.Fatalf("%s after %v, before %v", what, took, d)
	}
}

func (e *env) pendingCount(stream, group, id string) int64 {
	e.t.Helper()
	p := e.r.Client.XPendingExt(e.ctx, &redis.XPendingExtArgs{Stream: stream, Group: group, Start: id, End: id, Count: 1}).Val()
	if len(p) == 0 {
		return 0
	}
	return p[0].RetryCount
}

func TestRedeliveryAfterDeadline(t *testing.T) {
	t.Parallel()
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, group := name(t, "s"), name(t, "g")
		a := e.subscribe(fast(stream, group, 1))
		start := time.Now() // before the read that starts the deadline
		id := e.publish(stream, ev("A", "a"))[0]
		first := a.next(1)[0]
		// b joins; a holds the message (no credit), so b gets the redelivery.
		bsub := e.subscribe(fast(stream, group, 10))
		second := bsub.next(1)[0]
		notBefore(t, "redelivered", start, time.Second)
		if second.GetId() != id || second.GetDeliveryAttempt() != 2 {
			t.Fatalf("redelivery %v", second)
		}
		st := e.ack(first.GetAckId(), second.GetAckId())
		if !slices.Equal(st, []sluicev1.AckStatus{sluicev1.AckStatus_ACK_STATUS_STALE, sluicev1.AckStatus_ACK_STATUS_ACKED}) {
			t.Fatalf("acks: %v", st)
		}
		a.none(1500 * time.Millisecond)
		bsub.none(0)
	})
}

func TestCloseReleasesMessagesAtOnce(t *testing.T) {
	t.Parallel()
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, group := name(t, "s"), name(t, "g")
		a := e.subscribe(slow(stream, group))
		e.publish(stream, ev("A", "a"), ev("B", "b"))
		a.next(2)
		other := e.subscribe(slow(stream, group))
		a.cancel()
		got := other.next(2) // within testkit.Wait, not after a's 10 minutes
		if got[0].GetDeliveryAttempt() != 2 {
			t.Fatalf("attempt %d", got[0].GetDeliveryAttempt())
		}
	})
}

func TestNackWithDelay(t *testing.T) {
	t.Parallel()
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, group := name(t, "s"), name(t, "g")
		s := e.subscribe(slow(stream, group))
		e.publish(stream, ev("A", "a"), ev("B", "b"))
		got := s.next(2)
		start := time.Now()
		res, err := e.s.Sub.Nack(e.ctx, &sluicev1.NackRequest{AckIds: []string{got[0].GetAckId()}, Delay: durationpb.New(1500 * time.Millisecond)})
		if err != nil || res.GetResults()[0].GetStatus() != sluicev1.AckStatus_ACK_STATUS_ACKED {
			t.Fatalf("nack: %v %v", res, err)
		}
		res, err = e.s.Sub.Nack(e.ctx, &sluicev1.NackRequest{AckIds: []string{got[1].GetAckId()}, Delay: durationpb.New(0)})
		if err != nil || res.GetResults()[0].GetStatus() != sluicev1.AckStatus_ACK_STATUS_ACKED {
			t.Fatalf("nack: %v %v", res, err)
		}
		// Without a delay at once, with one after it: in that order.
		if now := s.next(1)[0]; now.GetId() != got[1].GetId() || now.GetDeliveryAttempt() != 2 {
			t.Fatalf("nack without delay: %v", now)
		}
		if later := s.next(1)[0]; later.GetId() != got[0].GetId() || later.GetDeliveryAttempt() != 2 {
			t.Fatalf("nack with 1.5 s delay: %v", later)
		}
		notBefore(t, "nacked with 1.5 s delay, redelivered", start, 1500*time.Millisecond)
		// A nack of the old delivery is stale.
		res, _ = e.s.Sub.Nack(e.ctx, &sluicev1.NackRequest{AckIds: []string{got[0].GetAckId()}})
		if res.GetResults()[0].GetStatus() != sluicev1.AckStatus_ACK_STATUS_STALE {
			t.Fatalf("stale nack: %v", res)
		}
	})
}

func TestExtendPreventsRedelivery(t *testing.T) {
	t.Parallel()
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, group := name(t, "s"), name(t, "g")
		s := e.subscribe(fast(stream, group, 10))
		id := e.publish(stream, ev("A", "a"))[0]
		m := s.next(1)[0]
		start := time.Now()
		res, err := e.s.Sub.ExtendAckDeadline(e.ctx, &sluicev1.ExtendAckDeadlineRequest{
			AckIds: []string{m.GetAckId()}, AckDeadline: durationpb.New(3 * time.Second)})
		if err != nil || res.GetResults()[0].GetStatus() != sluicev1.AckStatus_ACK_STATUS_ACKED {
			t.Fatalf("extend: %v %v", res, err)
		}
		if n := e.pendingCount(stream, group, id); n != 1 {
			t.Fatalf("extend counted as a delivery: count %d", n)
		}
		again := s.next(1)[0]
		notBefore(t, "extended by 3 s, redelivered", start, 3*time.Second)
		if again.GetDeliveryAttempt() != 2 {
			t.Fatalf("redelivered with attempt %d", again.GetDeliveryAttempt())
		}
		e.ack(again.GetAckId())
	})
}

func TestRejectAndMaxDeliveriesDeadLetter(t *testing.T) {
	t.Parallel()
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, group := name(t, "s"), name(t, "g")
		req := fast(stream, group, 10)
		req.MaxDeliveries = 2
		s := e.subscribe(req)
		poison := &sluicev1.Event{Type: "demo.v1.Poison", Key: "k", Headers: map[string]string{"trace": "t1"},
			Data: &sluicev1.Event_Payload{Payload: []byte("bad")}}
		ids := e.publish(stream, poison, ev("demo.v1.Bad", "reject me"))
		got := s.next(2)
		rej, err := e.s.Sub.Reject(e.ctx, &sluicev1.RejectRequest{AckIds: []string{got[1].GetAckId()}, Reason: "schema says no"})
		if err != nil || rej.GetResults()[0].GetStatus() != sluicev1.AckStatus_ACK_STATUS_ACKED {
			t.Fatalf("reject: %v %v", rej, err)
		}
		// The poison message: nacked twice, then it is past max deliveries.
		if _, err := e.s.Sub.Nack(e.ctx, &sluicev1.NackRequest{AckIds: []string{got[0].GetAckId()}, Reason: "boom 1"}); err != nil {
			t.Fatal(err)
		}
		second := s.next(1)[0]
		if second.GetDeliveryAttempt() != 2 {
			t.Fatalf("attempt %d", second.GetDeliveryAttempt())
		}
		if _, err := e.s.Sub.Nack(e.ctx, &sluicev1.NackRequest{AckIds: []string{second.GetAckId()}, Reason: "boom 2"}); err != nil {
			t.Fatal(err)
		}
		var dls []*sluicev1.DeadLetter
		testkit.Eventually(t, func() error {
			n := e.r.Client.XPending(e.ctx, stream, group).Val().Count
			list, err := e.s.DL.ListDeadLetters(e.ctx, &sluicev1.ListDeadLettersRequest{Stream: stream})
			if dls = list.GetDeadLetters(); err != nil || n != 0 || len(dls) != 2 {
				return fmt.Errorf("pending %d, dead letters %v (%v); want 0 pending, 2 dead letters", n, dls, err)
			}
			return nil
		})
		s.none(0) // dead-lettered instead of delivered a third time
		r, p := dls[0], dls[1]
		if r.GetSourceId() != ids[1] || r.GetReason() != "schema says no" || r.GetGroup() != group ||
			r.GetSourceStream() != stream || r.GetDeliveryAttempts() != 1 || string(r.GetEvent().GetPayload()) != "reject me" {
			t.Fatalf("rejected record: %v", r)
		}
		if p.GetSourceId() != ids[0] || p.GetDeliveryAttempts() != 2 || p.GetEvent().GetType() != "demo.v1.Poison" ||
			p.GetEvent().GetKey() != "k" || p.GetEvent().GetHeaders()["trace"] != "t1" ||
			!strings.Contains(p.GetReason(), "max deliveries (2) exceeded") || !strings.Contains(p.GetReason(), "boom 2") {
			t.Fatalf("poison record: %v", p)
		}
		if time.Since(p.GetDeadLetteredAt().AsTime()) > time.Minute || !p.GetEvent().GetPublishTime().AsTime().Before(p.GetDeadLetteredAt().AsTime()) {
			t.Fatalf("times: %v", p)
		}

		// Paging.
		page, _ := e.s.DL.ListDeadLetters(e.ctx, &sluicev1.ListDeadLettersRequest{Stream: stream, PageSize: 1})
		if len(page.GetDeadLetters()) != 1 || page.GetNextPageToken() == "" {
			t.Fatalf("page 1: %v", page)
		}
		page, _ = e.s.DL.ListDeadLetters(e.ctx, &sluicev1.ListDeadLettersRequest{Stream: stream, PageSize: 1, PageToken: page.GetNextPageToken()})
		if len(page.GetDeadLetters()) != 1 || page.GetDeadLetters()[0].GetId() != p.GetId() || page.GetNextPageToken() != "" {
			t.Fatalf("page 2: %v", page)
		}

		// Redrive the poison message; it comes back with a link to its record.
		rd, err := e.s.DL.RedriveDeadLetters(e.ctx, &sluicev1.RedriveDeadLettersRequest{Stream: stream, Ids: []string{p.GetId(), "1-1"}})
		if err != nil || len(rd.GetNewIds()) != 1 || !slices.Equal(rd.GetMissingIds(), []string{"1-1"}) {
			t.Fatalf("redrive: %v %v", rd, err)
		}
		back := s.next(1)[0]
		if back.GetId() != rd.GetNewIds()[0] || back.GetDeliveryAttempt() != 1 || string(back.GetEvent().GetPayload()) != "bad" ||
			back.GetEvent().GetHeaders()["sluice-dead-letter-id"] != p.GetId() || back.GetEvent().GetHeaders()["trace"] != "t1" {
			t.Fatalf("redriven: %v", back)
		}
		e.ack(back.GetAckId())
		purged, err := e.s.DL.PurgeDeadLetters(e.ctx, &sluicev1.PurgeDeadLettersRequest{Stream: stream})
		if err != nil || purged.GetDeleted() != 1 {
			t.Fatalf("purge: %v %v", purged, err)
		}
		list, _ := e.s.DL.ListDeadLetters(e.ctx, &sluicev1.ListDeadLettersRequest{Stream: stream})
		if len(list.GetDeadLetters()) != 0 {
			t.Fatalf("after purge: %v", list)
		}
		// Reject needs a reason.
		_, err = e.s.Sub.Reject(e.ctx, &sluicev1.RejectRequest{AckIds: []string{back.GetAckId()}})
		wantCode(t, err, codes.InvalidArgument)
	})
}

func TestIdempotentPublish(t *testing.T) {
	t.Parallel()
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream, other := name(t, "s"), name(t, "o")
		keyed := func(k, p string) *sluicev1.Event {
			x := ev("demo.v1.E", p)
			x.IdempotencyKey = k
			return x
		}
		first := e.publish(stream, keyed("k1", "one"), ev("demo.v1.E", "plain"), keyed("k2", "two"))
		again := e.publish(stream, keyed("k2", "two again"), keyed("k1", "one again"), keyed("k3", "three"), keyed("k3", "three dup"))
		if again[0] != first[2] || again[1] != first[0] || again[2] != again[3] || again[2] == first[0] {
			t.Fatalf("first %v, again %v", first, again)
		}
		if n := e.r.Client.XLen(e.ctx, stream).Val(); n != 4 {
			t.Fatalf("stream has %d entries, want 4", n)
		}
		// Keys are per stream.
		if o := e.publish(other, keyed("k1", "elsewhere")); o[0] == first[0] {
			t.Fatal("key shared across streams")
		}
		// The key is not stored in the entry.
		for _, m := range e.r.Client.XRange(e.ctx, stream, "-", "+").Val() {
			for f := range m.Values {
				if strings.Contains(f, "idem") {
					t.Fatalf("entry field %q", f)
				}
			}
		}
	})
}

// Consumers that hold nothing and stay idle past --consumer-idle-ttl are
// removed; those with pending messages stay.
func TestIdleConsumersAreRemoved(t *testing.T) {
	t.Parallel()
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{IdleConsumerTTL: 300 * time.Millisecond})
		stream, group := name(t, "s"), name(t, "g")
		e.r.Client.XGroupCreateMkStream(e.ctx, stream, group, "0")
		ids := e.publish(stream, ev("A", "a"), ev("B", "b"))
		// Two consumers that Redis knows of, not through Sluice: "holder"
		// holds a message, "gone" read one and acked it.
		for _, c := range []string{"holder", "gone"} {
			e.r.Client.XReadGroup(e.ctx, &redis.XReadGroupArgs{Group: group, Consumer: c, Streams: []string{stream, ">"}, Count: 1, Block: -1})
		}
		e.r.Client.XAck(e.ctx, stream, group, ids[1])
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: group, Consumer: "live"})
		testkit.Eventually(t, func() error {
			names := map[string]bool{}
			for _, c := range e.r.Client.XInfoConsumers(e.ctx, stream, group).Val() {
				names[c.Name] = true
			}
			if !names["holder"] {
				t.Fatalf("the consumer that holds a message was removed: %v", names)
			}
			if names["gone"] {
				return fmt.Errorf("idle consumer not removed: %v", names)
			}
			return nil
		})
		s.none(0)
	})
}
