package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
)

func expireAt(e *sluicev1.Event, t time.Time) *sluicev1.Event {
	e.ExpireAt = timestamppb.New(t)
	return e
}

func ttl(e *sluicev1.Event, d time.Duration) *sluicev1.Event {
	e.Ttl = durationpb.New(d)
	return e
}

// publishExpiring publishes two events that expire within 100 ms, one that
// never does and one that lives an hour, then waits until the first two
// have expired.
func (e *env) publishExpiring(stream string) (expiresAt time.Time) {
	e.t.Helper()
	soon := time.Now().Add(100 * time.Millisecond).Truncate(time.Millisecond)
	e.publish(stream, ttl(ev("demo.v1.E", "gone-ttl"), time.Millisecond), expireAt(ev("demo.v1.E", "gone-at"), soon),
		ev("demo.v1.E", "live"), ttl(ev("demo.v1.E", "fresh"), time.Hour))
	testkit.Eventually(e.t, func() error {
		if left := time.Until(soon); left >= 0 {
			return fmt.Errorf("%v until the events expire", left)
		}
		return nil
	})
	return soon
}

func payloads(ms []*sluicev1.Message) string {
	var p []string
	for _, m := range ms {
		p = append(p, string(m.GetEvent().GetPayload()))
	}
	return strings.Join(p, ",")
}

// A group is never sent an event that expired before it was read: the
// server acks it on the group's behalf and counts it. Independent readers
// skip it. Live events carry their expiry time.
func TestExpiredNotDelivered(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{MetricsListen: "127.0.0.1:0"})
		stream := name(t, "s")
		e.publishExpiring(stream)

		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g", Start: earliest()})
		got := s.next(2)
		if payloads(got) != "live,fresh" || got[0].GetEvent().GetExpireAt() != nil {
			t.Fatalf("delivered %s (%v); want live,fresh", payloads(got), got)
		}
		if exp := got[1].GetEvent().GetExpireAt().AsTime(); exp.UnixMilli() != idMs(t, got[1].GetId())+time.Hour.Milliseconds() {
			t.Fatalf("fresh: expire_at %v, entry %s: want the entry's time plus its ttl", exp, got[1].GetId())
		}
		e.ack(ackIDs(got)...)
		testkit.Eventually(t, func() error {
			if n := e.r.Client.XPending(e.ctx, stream, "g").Val().Count; n != 0 {
				return fmt.Errorf("%d pending; want the expired ones acked too", n)
			}
			return nil
		})
		if body := scrape(t, e.s); metricValue(body, "sluice_expired_total", `group="g",stream="`+stream+`"`) != 2 {
			t.Fatalf("sluice_expired_total for %s: %v, want 2", stream, metricValue(body, "sluice_expired_total", `group="g",stream="`+stream+`"`))
		}
		if dl, _ := e.s.DL.ListDeadLetters(e.ctx, &sluicev1.ListDeadLettersRequest{Stream: stream}); len(dl.GetDeadLetters()) != 0 {
			t.Fatalf("dead letters %v; want none without dead_letter_expired", dl.GetDeadLetters())
		}

		r := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Start: earliest()})
		if got := r.next(2); payloads(got) != "live,fresh" {
			t.Fatalf("independent reader got %s; want live,fresh", payloads(got))
		}
	})
}

// With dead_letter_expired, expired events go to the dead-letter stream
// with the reason "expired" instead.
func TestExpiredDeadLettered(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		e.publishExpiring(stream)
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g", Start: earliest(), DeadLetterExpired: true})
		if got := s.next(2); payloads(got) != "live,fresh" {
			t.Fatalf("delivered %s; want live,fresh", payloads(got))
		}
		testkit.Eventually(t, func() error {
			list, err := e.s.DL.ListDeadLetters(e.ctx, &sluicev1.ListDeadLettersRequest{Stream: stream})
			dls := list.GetDeadLetters()
			if err != nil || len(dls) != 2 {
				return fmt.Errorf("dead letters %v (%v); want the two expired ones", dls, err)
			}
			for i, want := range []string{"gone-ttl", "gone-at"} {
				if d := dls[i]; d.GetReason() != "expired" || d.GetGroup() != "g" || string(d.GetEvent().GetPayload()) != want {
					return fmt.Errorf("dead letter %d: %v; want %s with reason expired", i, d, want)
				}
			}
			return nil
		})
	})
}

// A message that expires while it waits for a redelivery is not redelivered:
// the group acks it.
func TestExpiredBeforeRedelivery(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g", AckDeadline: durationpb.New(time.Second),
			RetryPolicy: &sluicev1.RetryPolicy{MinimumBackoff: durationpb.New(0), MaximumBackoff: durationpb.New(0)}})
		e.publish(stream, ttl(ev("demo.v1.E", "short"), 800*time.Millisecond))
		first := s.next(1) // read before it expired, or it would not be here
		if payloads(first) != "short" {
			t.Fatalf("got %s", payloads(first))
		}
		// Not acked: after the 1 s deadline it is due again, and expired.
		testkit.Eventually(t, func() error {
			if n := e.r.Client.XPending(e.ctx, stream, "g").Val().Count; n != 0 {
				return fmt.Errorf("%d pending; want the expired delivery acked by the group", n)
			}
			return nil
		})
		e.publish(stream, ev("demo.v1.E", "next"))
		if got := s.next(1); payloads(got) != "next" {
			t.Fatalf("after expiry got %s (attempt %d); want the next event, not a redelivery", payloads(got), got[0].GetDeliveryAttempt())
		}
	})
}

// A scheduled event's ttl counts from when it falls due.
func TestExpiryOfScheduledEvent(t *testing.T) {
	e := newEnv(t, testredis.Backends[0], daemon.Config{})
	stream := name(t, "s")
	s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g"})
	e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: []*sluicev1.Event{
		ttl(after(ev("demo.v1.E", "later"), 300*time.Millisecond), 200*time.Millisecond)}})
	got := s.next(1)
	if exp := got[0].GetEvent().GetExpireAt().AsTime().UnixMilli(); exp != idMs(t, got[0].GetId())+200 {
		t.Fatalf("expire_at %d for entry %s: want 200 ms after the entry's time", exp, got[0].GetId())
	}
}

func TestExpiryBadInput(t *testing.T) {
	e := newEnv(t, testredis.Backends[0], daemon.Config{})
	stream := name(t, "s")
	now := time.Now()
	both := ttl(expireAt(ev("demo.v1.E", "x"), now.Add(time.Hour)), time.Hour)
	for what, x := range map[string]*sluicev1.Event{
		"both":                 both,
		"in the past":          expireAt(ev("demo.v1.E", "x"), now.Add(-time.Second)),
		"before deliver_at":    expireAt(at(ev("demo.v1.E", "x"), now.Add(2*time.Hour)), now.Add(time.Hour)),
		"zero ttl":             ttl(ev("demo.v1.E", "x"), 0),
		"negative ttl":         ttl(ev("demo.v1.E", "x"), -time.Second),
		"invalid expire_at":    {Type: "demo.v1.E", ExpireAt: &timestamppb.Timestamp{Seconds: 1, Nanos: -1}},
		"invalid ttl duration": {Type: "demo.v1.E", Ttl: &durationpb.Duration{Seconds: 1, Nanos: -1}},
	} {
		_, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: []*sluicev1.Event{
			ttl(ev("demo.v1.E", "ok"), time.Minute), x}})
		if status.Code(err) != codes.InvalidArgument || (!strings.Contains(err.Error(), "events[1].expire_at") && !strings.Contains(err.Error(), "events[1].ttl")) {
			t.Fatalf("%s: got %v, want InvalidArgument naming events[1]'s field", what, err)
		}
	}
	if n := e.r.Client.Exists(e.ctx, stream).Val(); n != 0 {
		t.Fatal("a refused batch wrote the stream")
	}
	_, err := e.trySubscribe(&sluicev1.SubscribeRequest{Stream: stream, DeadLetterExpired: true})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("dead_letter_expired without a group: %v, want InvalidArgument", err)
	}
}
