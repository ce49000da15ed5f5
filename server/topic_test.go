package server_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
	"github.com/sluice-io/sluice/streams"
)

func (e *env) createTopic(topic string, partitions int) {
	e.t.Helper()
	if _, err := e.s.Admin.CreateTopic(e.ctx, &sluicev1.CreateTopicRequest{Topic: topic, Partitions: int32(partitions)}); err != nil {
		e.t.Fatalf("CreateTopic: %v", err)
	}
}

func keyed(key, payload string) *sluicev1.Event {
	e := ev("test.Keyed", payload)
	e.Key = key
	return e
}

func TestTopicPublishAndRead(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		topic := name(t, "topic")

		_, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Topic: topic, Events: []*sluicev1.Event{ev("a.B", "x")}})
		wantCode(t, err, codes.NotFound)
		_, err = e.s.Admin.CreateTopic(e.ctx, &sluicev1.CreateTopicRequest{Topic: topic, Partitions: 0})
		wantCode(t, err, codes.InvalidArgument)
		_, err = e.s.Admin.CreateTopic(e.ctx, &sluicev1.CreateTopicRequest{Topic: "sluice:x", Partitions: 2})
		wantCode(t, err, codes.InvalidArgument)

		res, err := e.s.Admin.CreateTopic(e.ctx, &sluicev1.CreateTopicRequest{Topic: topic, Partitions: 3})
		if err != nil || !res.GetCreated() {
			t.Fatalf("CreateTopic: %v %v", res, err)
		}
		res, err = e.s.Admin.CreateTopic(e.ctx, &sluicev1.CreateTopicRequest{Topic: topic, Partitions: 3})
		if err != nil || res.GetCreated() {
			t.Fatalf("CreateTopic again, same count: %v %v", res, err)
		}
		_, err = e.s.Admin.CreateTopic(e.ctx, &sluicev1.CreateTopicRequest{Topic: topic, Partitions: 4})
		wantCode(t, err, codes.AlreadyExists)
		lt, err := e.s.Admin.ListTopics(e.ctx, &sluicev1.ListTopicsRequest{})
		if err != nil || !slices.ContainsFunc(lt.GetTopics(), func(x *sluicev1.Topic) bool {
			return x.GetName() == topic && x.GetPartitions() == 3
		}) {
			t.Fatalf("ListTopics: %v %v", lt, err)
		}

		_, err = e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Topic: topic, Stream: topic, Events: []*sluicev1.Event{ev("a.B", "x")}})
		wantCode(t, err, codes.InvalidArgument)

		// Keys pick partitions by FNV-1a; keyless events of one call stay
		// together; an idempotency key decides for a keyless event.
		var events []*sluicev1.Event
		for i := range 30 {
			events = append(events, keyed(fmt.Sprintf("k%d", i%10), fmt.Sprint(i)))
		}
		events = append(events, ev("a.B", "n1"), ev("a.B", "n2"))
		withIK := ev("a.B", "ik")
		withIK.IdempotencyKey = "ik-1"
		events = append(events, withIK)
		pr, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Topic: topic, Events: events})
		if err != nil {
			t.Fatal(err)
		}
		parts := pr.GetPartitions()
		if len(parts) != len(events) || len(pr.GetIds()) != len(events) {
			t.Fatalf("response: %v", pr)
		}
		used := map[int32]bool{}
		for i := range 30 {
			want := streams.PartitionOf(fmt.Sprintf("k%d", i%10), 3)
			if int(parts[i]) != want {
				t.Fatalf("event %d (key k%d) went to partition %d, want %d", i, i%10, parts[i], want)
			}
			used[parts[i]] = true
		}
		if len(used) != 3 {
			t.Fatalf("10 keys used partitions %v, want all 3", used)
		}
		if parts[30] != parts[31] {
			t.Fatalf("keyless events of one call went to partitions %d and %d", parts[30], parts[31])
		}
		if int(parts[32]) != streams.PartitionOf("ik-1", 3) {
			t.Fatalf("keyless event with idempotency key went to %d", parts[32])
		}
		// A retry lands on the same partition and is recognised.
		pr2, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Topic: topic, Events: []*sluicev1.Event{withIK}})
		if err != nil || pr2.GetIds()[0] != pr.GetIds()[32] || pr2.GetPartitions()[0] != parts[32] {
			t.Fatalf("retry: %v %v, first %s on %d", pr2, err, pr.GetIds()[32], parts[32])
		}

		// The partitions are plain streams.
		m, err := e.s.Admin.ReadRange(e.ctx, &sluicev1.ReadRangeRequest{Stream: streams.PartitionStream(topic, int(parts[0]))})
		if err != nil || !slices.ContainsFunc(m.GetMessages(), func(x *sluicev1.Message) bool { return x.GetId() == pr.GetIds()[0] }) {
			t.Fatalf("partition stream does not hold event 0: %v %v", m, err)
		}

		// An independent reader of the topic sees every event, in order
		// within each partition, tagged with its partition.
		_, err = e.trySubscribe(&sluicev1.SubscribeRequest{Topic: topic, Start: &sluicev1.StartPosition{
			Position: &sluicev1.StartPosition_AfterId{AfterId: "0-0"}}})
		wantCode(t, err, codes.InvalidArgument)
		r := e.subscribe(&sluicev1.SubscribeRequest{Topic: topic, Start: earliest()})
		if r.info.GetTopic() != topic || r.info.GetPartitions() != 3 {
			t.Fatalf("subscription: %v", r.info)
		}
		got := r.next(len(events))
		// IDs are per stream: two partitions may hold the same ID.
		published := map[string]bool{}
		for i, id := range pr.GetIds() {
			published[streams.PartitionStream(topic, int(parts[i]))+"/"+id] = true
		}
		last := map[int32]string{}
		for _, m := range got {
			p := m.GetPartition()
			if !published[m.GetStream()+"/"+m.GetId()] || m.GetStream() != streams.PartitionStream(topic, int(p)) {
				t.Fatalf("message %s: partition %d stream %q, not published there", m.GetId(), p, m.GetStream())
			}
			if prev := last[p]; prev != "" && !idLess(prev, m.GetId()) {
				t.Fatalf("partition %d: %s after %s", p, m.GetId(), prev)
			}
			last[p] = m.GetId()
		}
		r.none(100 * time.Millisecond)

		dt, err := e.s.Admin.DescribeTopic(e.ctx, &sluicev1.DescribeTopicRequest{Topic: topic})
		if err != nil || len(dt.GetPartitions()) != 3 {
			t.Fatalf("DescribeTopic: %v %v", dt, err)
		}
		var total int64
		for _, p := range dt.GetPartitions() {
			total += p.GetLength()
		}
		if total != int64(len(events)) {
			t.Fatalf("partitions hold %d entries, want %d", total, len(events))
		}
	})
}

func idLess(a, b string) bool {
	x, _ := streams.ParseID(a)
	y, _ := streams.ParseID(b)
	return x.Less(y)
}

// TestTopicRebalance: 6 partitions shared by 1, then 3, then 2
// subscriptions, on two sluiced replicas; each ends with its fair share and
// no partition is held twice; acks through the other replica work; nothing
// is lost or left pending.
func TestTopicRebalance(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		other := &env{t: t, r: e.r, s: testserver.Start(t, e.r.URL, daemon.Config{}), ctx: e.ctx}
		topic, group := name(t, "topic"), name(t, "group")
		e.createTopic(topic, 6)
		req := &sluicev1.SubscribeRequest{Topic: topic, Group: group, Start: earliest()}

		var subs []*sub
		waitFair := func(want ...int) {
			t.Helper()
			testkit.Eventually(t, fairShares(subs, 6, want...))
			// Redis agrees: every partition has one owner, a live member.
			dt, err := e.s.Admin.DescribeTopic(e.ctx, &sluicev1.DescribeTopicRequest{Topic: topic})
			if err != nil || len(dt.GetGroups()) != 1 {
				t.Fatalf("DescribeTopic: %v %v", dt, err)
			}
			g := dt.GetGroups()[0]
			if len(g.GetMembers()) != len(subs) {
				t.Fatalf("members %v, want %d", g.GetMembers(), len(subs))
			}
			for p, o := range g.GetOwners() {
				if !slices.Contains(g.GetMembers(), o) {
					t.Fatalf("partition %d owned by %q, not a member of %v", p, o, g.GetMembers())
				}
			}
		}

		subs = append(subs, e.subscribe(req))
		waitFair(6)
		subs = append(subs, other.subscribe(req), e.subscribe(req))
		waitFair(2, 2, 2)
		subs[0].cancel()
		subs = subs[1:]
		waitFair(3, 3)

		var events []*sluicev1.Event
		for i := range 60 {
			events = append(events, keyed(fmt.Sprintf("k%d", i), fmt.Sprint(i)))
		}
		pr, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Topic: topic, Events: events})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		defer func() {
			if t.Failed() {
				dt, _ := e.s.Admin.DescribeTopic(e.ctx, &sluicev1.DescribeTopicRequest{Topic: topic})
				for _, p := range dt.GetPartitions() {
					t.Logf("%s len %d groups %v", p.GetName(), p.GetLength(), p.GetGroups())
				}
				t.Logf("groups %v", dt.GetGroups())
				for _, s := range subs {
					t.Logf("sub %v", s.assignment())
				}
			}
		}()
		// subs[0] is on the other replica, subs[1] on e's: each acks through
		// the replica it is not on.
		ackVia := []*env{e, other}
		testkit.Progress(t, len(events), func() int {
			for i, s := range subs {
				select {
				case m := <-s.msgs:
					if !slices.Contains(s.assignment(), m.GetPartition()) {
						t.Errorf("message of partition %d delivered to a subscription holding %v", m.GetPartition(), s.assignment())
					}
					got[m.GetStream()+"/"+m.GetId()] = true
					if st := ackVia[i].ack(m.GetAckId()); st[0] != sluicev1.AckStatus_ACK_STATUS_ACKED {
						t.Errorf("ack: %v", st)
					}
				default:
				}
			}
			return len(got)
		})
		for i, id := range pr.GetIds() {
			if !got[streams.PartitionStream(topic, int(pr.GetPartitions()[i]))+"/"+id] {
				t.Fatalf("%s not delivered", id)
			}
		}
		dt, err := e.s.Admin.DescribeTopic(e.ctx, &sluicev1.DescribeTopicRequest{Topic: topic})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range dt.GetPartitions() {
			for _, g := range p.GetGroups() {
				if g.GetPending() != 0 || g.GetLag() != 0 {
					t.Fatalf("%s group %s: pending %d lag %d", p.GetName(), g.GetName(), g.GetPending(), g.GetLag())
				}
			}
		}
	})
}

// TestTopicPerKeyOrder: subscriptions join and leave while keyed events
// flow; every event arrives, and each key's events arrive in publish order
// (first deliveries; a subscription that leaves with unacked messages may
// cause a redelivery, which is counted). Each change of membership waits
// until the previous one has settled (every member delivers its share) and
// more events have arrived since, so the changes happen mid-stream however
// fast the machine is; the publisher runs until the last one has settled.
func TestTopicPerKeyOrder(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		topic, group := name(t, "topic"), name(t, "group")
		const partitions, keys = 4, 16
		e.createTopic(topic, partitions)

		type rec struct{ key, seq int }
		var mu sync.Mutex
		var log []rec
		seen := map[rec]bool{}
		dups := 0
		received := func() int {
			mu.Lock()
			defer mu.Unlock()
			return len(log)
		}
		worker := func() *sub {
			s := e.subscribe(&sluicev1.SubscribeRequest{Topic: topic, Group: group, Start: earliest()})
			go func() {
				for {
					select {
					case m := <-s.msgs:
						// Some work before the result counts, so two
						// subscriptions sharing a key would interleave.
						time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
						var r rec
						fmt.Sscanf(string(m.GetEvent().GetPayload()), "%d/%d", &r.key, &r.seq)
						mu.Lock()
						if seen[r] {
							dups++
						} else {
							seen[r] = true
							log = append(log, r)
						}
						mu.Unlock()
						// Acked with the context of the test, not of the
						// subscription: a late ack after leaving is fine.
						_, _ = e.s.Sub.Ack(e.ctx, &sluicev1.AckRequest{AckIds: []string{m.GetAckId()}})
					case <-s.err:
						return
					}
				}
			}()
			return s
		}

		// A round of one event per key whenever fewer than 20 rounds are
		// unreceived (so events keep flowing, but a slow machine does not
		// pile up a backlog), until stop; then the number of rounds.
		stop := make(chan struct{})
		type result struct {
			rounds int
			err    error
		}
		published := make(chan result, 1)
		go func() {
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for r := 0; ; {
				select {
				case <-stop:
					published <- result{r, nil}
					return
				case <-tick.C:
				}
				if r*keys-received() >= 20*keys {
					continue
				}
				var events []*sluicev1.Event
				for k := range keys {
					events = append(events, keyed(fmt.Sprintf("key-%d", k), fmt.Sprintf("%d/%d", k, r)))
				}
				if _, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Topic: topic, Events: events}); err != nil {
					published <- result{r, err}
					return
				}
				r++
			}
		}()
		subs := []*sub{worker()}
		settle := func(shares ...int) {
			t.Helper()
			testkit.Eventually(t, fairShares(subs, partitions, shares...))
			n := received()
			testkit.Eventually(t, func() error {
				if got := received(); got < n+10*keys {
					return fmt.Errorf("received %d, want %d: events stopped arriving after the assignment %v", got, n+10*keys, shares)
				}
				return nil
			})
		}
		settle(4)
		subs = append(subs, worker())
		settle(2, 2)
		subs = append(subs, worker())
		settle(1, 1, 2)
		subs[0].cancel() // leaves mid-stream
		subs = subs[1:]
		settle(2, 2)
		close(stop)
		res := testkit.Recv(t, published, "end of publishing")
		if res.err != nil {
			t.Fatal(res.err)
		}
		testkit.Progress(t, res.rounds*keys, received)
		mu.Lock()
		defer mu.Unlock()
		next := make([]int, keys)
		for _, r := range log {
			if r.seq != next[r.key] {
				t.Fatalf("key %d: got %d, want %d next", r.key, r.seq, next[r.key])
			}
			next[r.key]++
		}
		t.Logf("%d events, %d keys, in order per key; %d redeliveries", res.rounds*keys, keys, dups)
	})
}

// fairShares checks that subs deliver disjoint sets of partitions of the
// given sizes (in any order), covering all of them.
func fairShares(subs []*sub, partitions int, sizes ...int) func() error {
	return func() error {
		var got []int
		held := map[int32]bool{}
		for _, s := range subs {
			a := s.assignment()
			got = append(got, len(a))
			for _, p := range a {
				if held[p] {
					return fmt.Errorf("partition %d delivered by two subscriptions", p)
				}
				held[p] = true
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, sizes) || len(held) != partitions {
			return fmt.Errorf("assignment sizes %v over %d partitions, want %v over %d", got, len(held), sizes, partitions)
		}
		return nil
	}
}
