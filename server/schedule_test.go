package server_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	"github.com/sluice-io/sluice/internal/testserver"
)

func at(e *sluicev1.Event, t time.Time) *sluicev1.Event {
	e.DeliverAt = timestamppb.New(t)
	return e
}

func after(e *sluicev1.Event, d time.Duration) *sluicev1.Event {
	e.DeliverAfter = durationpb.New(d)
	return e
}

// scheduled is the stream's scheduled count by DescribeStream (-1: no
// stream).
func (e *env) scheduled(stream string) int64 {
	e.t.Helper()
	res, err := e.s.Admin.DescribeStream(e.ctx, &sluicev1.DescribeStreamRequest{Stream: stream})
	if err != nil {
		return -1
	}
	return res.GetStream().GetScheduled()
}

// idMs is the millisecond part of an entry ID.
func idMs(t *testing.T, id string) int64 {
	t.Helper()
	msPart, _, _ := strings.Cut(id, "-")
	ms, err := strconv.ParseInt(msPart, 10, 64)
	if err != nil {
		t.Fatalf("entry ID %q: %v", id, err)
	}
	return ms
}

func TestScheduledDelivery(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		now := time.Now()
		past := now.Add(-time.Hour).Truncate(time.Millisecond)
		res, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: []*sluicev1.Event{
			after(ev("demo.v1.Later", "later"), 1500*time.Millisecond),
			at(ev("demo.v1.Sooner", "sooner"), now.Add(800*time.Millisecond)),
			ev("demo.v1.Now", "now"),
			at(ev("demo.v1.Past", "past"), past),
		}})
		if err != nil {
			t.Fatal(err)
		}
		gotIDs, sched := res.GetIds(), res.GetScheduleIds()
		if len(gotIDs) != 4 || len(sched) != 4 || gotIDs[0] != "" || gotIDs[1] != "" || gotIDs[2] == "" || gotIDs[3] == "" ||
			sched[0] == "" || sched[1] == "" || sched[2] != "" || sched[3] != "" || sched[0] >= sched[1] {
			t.Fatalf("ids %q, schedule ids %q: want entry IDs for the last two, increasing schedule IDs for the first two", gotIDs, sched)
		}
		// Nothing early: until the sooner one's time the two scheduled
		// events are not in the stream. (Checked only if the reads finished
		// before that time: a busy machine may get there later.)
		n, scheduled := e.r.Client.XLen(e.ctx, stream).Val(), e.scheduled(stream)
		if time.Since(now) < 800*time.Millisecond && (n != 2 || scheduled != 2) {
			t.Fatalf("right after publishing: XLEN %d, scheduled %d; want 2 and 2", n, scheduled)
		}

		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g", Start: earliest()})
		first := s.next(2)
		if first[0].GetEvent().GetType() != "demo.v1.Now" || first[0].GetEvent().GetDeliverAt() != nil ||
			first[1].GetEvent().GetType() != "demo.v1.Past" || !first[1].GetEvent().GetDeliverAt().AsTime().Equal(past) {
			t.Fatalf("first two: %v", first)
		}
		later := s.next(2)
		if later[0].GetEvent().GetType() != "demo.v1.Sooner" || later[1].GetEvent().GetType() != "demo.v1.Later" {
			t.Fatalf("scheduled events arrived as %s, %s: want due order", later[0].GetEvent().GetType(), later[1].GetEvent().GetType())
		}
		wantAt := now.Add(800 * time.Millisecond).Truncate(time.Millisecond)
		if got := later[0].GetEvent().GetDeliverAt().AsTime(); !got.Equal(wantAt) {
			t.Fatalf("deliver_at %v, want %v", got, wantAt)
		}
		for _, m := range later {
			due := m.GetEvent().GetDeliverAt().AsTime()
			if due.IsZero() || idMs(t, m.GetId()) < due.UnixMilli() {
				t.Fatalf("%s (%s) got entry ID %s, before its time %v", m.GetEvent().GetType(), m.GetEvent().GetPayload(), m.GetId(), due)
			}
		}
		if n := e.scheduled(stream); n != 0 {
			t.Fatalf("scheduled %d after delivery", n)
		}
		if n := e.r.Client.XLen(e.ctx, stream).Val(); n != 4 {
			t.Fatalf("XLEN %d, want 4", n)
		}
		// The moved entry's fields are the plain layout plus deliver_at.
		entry := e.r.Client.XRange(e.ctx, stream, later[0].GetId(), later[0].GetId()).Val()
		if len(entry) != 1 || entry[0].Values["type"] != "demo.v1.Sooner" || entry[0].Values["payload"] != "sooner" ||
			entry[0].Values["deliver_at"] != strconv.FormatInt(wantAt.UnixMilli(), 10) {
			t.Fatalf("moved entry %v", entry)
		}
	})
}

// Two replicas move the same schedule at the same time: every event is
// appended exactly once, none before its time.
func TestScheduledMovedOnceByRacingReplicas(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		other := testserver.Start(t, e.r.URL, daemon.Config{})
		stream := name(t, "s")
		const perReplica, batches = 200, 4
		start := time.Now()
		var wg sync.WaitGroup
		for r, pub := range []sluicev1.PublisherServiceClient{e.s.Pub, other.Pub} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range batches {
					var evs []*sluicev1.Event
					for i := range perReplica / batches {
						// Due together in bursts, from both replicas.
						evs = append(evs, at(ev("demo.v1.E", fmt.Sprint(r, "-", b, "-", i)), start.Add(time.Duration(500+100*(i%5))*time.Millisecond)))
					}
					if _, err := pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: evs}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		testkit.Eventually(t, func() error {
			if n := e.scheduled(stream); n != 0 {
				return fmt.Errorf("%d still scheduled", n)
			}
			return nil
		})
		entries := e.r.Client.XRange(e.ctx, stream, "-", "+").Val()
		seen := make(map[string]bool)
		for _, en := range entries {
			p := en.Values["payload"].(string)
			if seen[p] {
				t.Fatalf("event %s appended twice", p)
			}
			seen[p] = true
			due, _ := strconv.ParseInt(en.Values["deliver_at"].(string), 10, 64)
			if idMs(t, en.ID) < due {
				t.Fatalf("event %s appended as %s, before its time %d", p, en.ID, due)
			}
		}
		if len(entries) != 2*perReplica {
			t.Fatalf("%d entries, want %d", len(entries), 2*perReplica)
		}
	})
}

// Events scheduled through a replica that stopped are moved by another.
func TestScheduledMovedByAnotherReplica(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		due := time.Now().Add(500 * time.Millisecond)
		other := testserver.Start(t, e.r.URL, daemon.Config{})
		if _, err := other.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: []*sluicev1.Event{
			at(ev("demo.v1.E", "from the stopped one"), due)}}); err != nil {
			t.Fatal(err)
		}
		other.Stop()
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g", Start: earliest()})
		m := s.next(1)[0]
		if string(m.GetEvent().GetPayload()) != "from the stopped one" || idMs(t, m.GetId()) < due.UnixMilli() {
			t.Fatalf("got %v", m)
		}
	})
}

func TestScheduledListAndCancel(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		base := time.Now().Add(time.Hour).Truncate(time.Millisecond)
		// Scheduled out of due order; two fall due at the same time.
		offsets := []time.Duration{3, 1, 2, 2, 5}
		var evs []*sluicev1.Event
		for i, o := range offsets {
			x := at(ev("demo.v1.E", fmt.Sprint(i)), base.Add(o*time.Minute))
			x.Headers = map[string]string{"n": fmt.Sprint(i)}
			evs = append(evs, x)
		}
		res, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: evs})
		if err != nil {
			t.Fatal(err)
		}
		sched := res.GetScheduleIds()
		var listed []string
		token := ""
		for pages := 0; ; pages++ {
			page, err := e.s.Admin.ListScheduled(e.ctx, &sluicev1.ListScheduledRequest{Stream: stream, PageSize: 2, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, se := range page.GetEvents() {
				listed = append(listed, string(se.GetEvent().GetPayload()))
				i, _ := strconv.Atoi(string(se.GetEvent().GetPayload()))
				if se.GetScheduleId() != sched[i] || !se.GetDeliverAt().AsTime().Equal(base.Add(offsets[i]*time.Minute)) ||
					se.GetEvent().GetHeaders()["n"] != fmt.Sprint(i) || se.GetEvent().GetType() != "demo.v1.E" {
					t.Fatalf("listed %v, want event %d as published, schedule ID %s", se, i, sched[i])
				}
			}
			if token = page.GetNextPageToken(); token == "" {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
		}
		if want := []string{"1", "2", "3", "0", "4"}; !slices.Equal(listed, want) {
			t.Fatalf("listed %v, want due order (then schedule order) %v", listed, want)
		}
		if _, err := e.s.Admin.CancelScheduled(e.ctx, &sluicev1.CancelScheduledRequest{Stream: stream, ScheduleId: sched[2]}); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.Admin.CancelScheduled(e.ctx, &sluicev1.CancelScheduledRequest{Stream: stream, ScheduleId: sched[2]})
		wantCode(t, err, codes.NotFound)
		_, err = e.s.Admin.CancelScheduled(e.ctx, &sluicev1.CancelScheduledRequest{Stream: stream, ScheduleId: "1700000000000-0"})
		wantCode(t, err, codes.InvalidArgument)
		_, err = e.s.Admin.ListScheduled(e.ctx, &sluicev1.ListScheduledRequest{Stream: stream, PageToken: "nope"})
		wantCode(t, err, codes.InvalidArgument)
		if n := e.scheduled(stream); n != 4 {
			t.Fatalf("scheduled %d after a cancel, want 4", n)
		}
		if n := e.r.Client.Exists(e.ctx, stream).Val(); n != 0 {
			t.Fatal("the stream exists before anything fell due")
		}
	})
}

func TestScheduledIdempotentPublish(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		var first string
		for range 3 {
			x := after(ev("demo.v1.E", "once"), time.Hour)
			x.IdempotencyKey = "reminder-1"
			res, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: []*sluicev1.Event{x}})
			if err != nil {
				t.Fatal(err)
			}
			id := res.GetScheduleIds()[0]
			if first == "" {
				first = id
			}
			if id != first || res.GetIds()[0] != "" {
				t.Fatalf("retry got ids %q schedule ids %q, want schedule ID %s", res.GetIds(), res.GetScheduleIds(), first)
			}
		}
		if n := e.scheduled(stream); n != 1 {
			t.Fatalf("scheduled %d, want 1", n)
		}
	})
}

func TestScheduledBadInput(t *testing.T) {
	e := newEnv(t, testredis.Backends[0], daemon.Config{})
	stream := name(t, "s")
	both := at(ev("demo.v1.E", "x"), time.Now().Add(time.Minute))
	both.DeliverAfter = durationpb.New(time.Minute)
	for what, x := range map[string]*sluicev1.Event{
		"both":              both,
		"beyond horizon":    at(ev("demo.v1.E", "x"), time.Now().Add(401*24*time.Hour)),
		"after beyond":      after(ev("demo.v1.E", "x"), 401*24*time.Hour),
		"negative after":    after(ev("demo.v1.E", "x"), -time.Second),
		"invalid timestamp": {Type: "demo.v1.E", DeliverAt: &timestamppb.Timestamp{Seconds: 1, Nanos: -1}},
	} {
		// A valid scheduled event first: nothing of the batch is written.
		_, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: []*sluicev1.Event{
			after(ev("demo.v1.E", "ok"), time.Minute), x}})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "events[1].deliver_") {
			t.Fatalf("%s: got %v, want InvalidArgument naming events[1]'s field", what, err)
		}
	}
	if n := e.scheduled(stream); n != -1 {
		t.Fatalf("a refused batch left %d scheduled", n)
	}
}

func TestScheduledOnTopic(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		topic := name(t, "t")
		if _, err := e.s.Admin.CreateTopic(e.ctx, &sluicev1.CreateTopicRequest{Topic: topic, Partitions: 4}); err != nil {
			t.Fatal(err)
		}
		x := after(ev("demo.v1.E", "keyed"), 300*time.Millisecond)
		x.Key = "customer-7"
		res, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Topic: topic, Events: []*sluicev1.Event{x}})
		if err != nil {
			t.Fatal(err)
		}
		if res.GetScheduleIds()[0] == "" || res.GetIds()[0] != "" || len(res.GetPartitions()) != 1 {
			t.Fatalf("response %v", res)
		}
		partition := fmt.Sprintf("%s.p%d", topic, res.GetPartitions()[0])
		s := e.subscribe(&sluicev1.SubscribeRequest{Topic: topic, Group: "g", Start: earliest()})
		m := s.next(1)[0]
		if m.GetEvent().GetKey() != "customer-7" || e.r.Client.XLen(e.ctx, partition).Val() != 1 {
			t.Fatalf("got %v; partition %s has %d", m, partition, e.r.Client.XLen(e.ctx, partition).Val())
		}
	})
}
