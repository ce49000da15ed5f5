package client_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// TestTopics: two group subscribers share a topic's partitions and see each
// key in order; an independent topic reader resumes after a server restart
// with nothing twice and nothing missing.
func TestTopics(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		topic, group := unique("t"), unique("g")
		if _, err := s.Admin.CreateTopic(t.Context(), &sluicev1.CreateTopicRequest{Topic: topic, Partitions: 4}); err != nil {
			t.Fatal(err)
		}
		pub := client.NewPublisher(s.Conn)
		earliest := &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}
		backoff := client.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond)

		var mu sync.Mutex
		next := map[string]int{} // key -> next sequence number expected by the group
		read := map[string]int{} // stream/id -> times the reader saw it
		owner := map[int32]int{} // partition -> subscriber that delivered it last
		record := func(who int) client.Handler {
			return func(ctx context.Context, m *client.Message) error {
				var seq int
				fmt.Sscanf(string(m.GetEvent().GetPayload()), "%d", &seq)
				mu.Lock()
				defer mu.Unlock()
				k := m.GetEvent().GetKey()
				if m.GetDeliveryAttempt() == 1 && seq != next[k] {
					t.Errorf("key %s: got %d, want %d", k, seq, next[k])
				}
				next[k] = max(next[k], seq+1)
				owner[m.GetPartition()] = who
				return nil
			}
		}
		var subs []*client.Subscriber
		for who := range 2 {
			sub, err := client.NewSubscriber(s.Conn, client.SubscriberConfig{Topic: topic, Group: group, Start: earliest}, backoff)
			if err != nil {
				t.Fatal(err)
			}
			consume(t, sub, record(who))
			subs = append(subs, sub)
		}
		balanced := func() bool { return len(subs[0].Assignment()) == 2 && len(subs[1].Assignment()) == 2 }
		reader, _ := client.NewSubscriber(s.Conn, client.SubscriberConfig{Topic: topic, Start: earliest}, backoff)
		consume(t, reader, func(ctx context.Context, m *client.Message) error {
			mu.Lock()
			read[m.GetStream()+"/"+m.GetId()]++
			mu.Unlock()
			return nil
		})

		publish := func(from, to int) {
			for i := from; i < to; i++ {
				var events []*sluicev1.Event
				for k := range 8 {
					events = append(events, &sluicev1.Event{Type: "x.v1.Y", Key: fmt.Sprint("key-", k),
						IdempotencyKey: fmt.Sprint(k, "/", i), Data: &sluicev1.Event_Payload{Payload: []byte(fmt.Sprint(i))}})
				}
				pos, err := pub.PublishTopic(t.Context(), topic, events...)
				if err != nil {
					t.Fatal(err)
				}
				if pos[0].Partition == pos[1].Partition && pos[0].Partition == pos[2].Partition && pos[0].Partition == pos[3].Partition {
					t.Fatalf("keys all on partition %d", pos[0].Partition)
				}
			}
		}
		done := func(n int) func() bool {
			return func() bool {
				mu.Lock()
				defer mu.Unlock()
				for k := range 8 {
					if next[fmt.Sprint("key-", k)] != n {
						return false
					}
				}
				return len(read) == 8*n
			}
		}
		testkit.WaitFor(t, "two partitions each", balanced)
		publish(0, 50)
		testkit.WaitFor(t, "first 400", done(50))
		mu.Lock()
		users := map[int]bool{}
		for _, who := range owner {
			users[who] = true
		}
		owners := fmt.Sprint(owner)
		mu.Unlock()
		if len(users) != 2 {
			t.Fatalf("partitions were delivered by %d subscribers, want both: %v", len(users), owners)
		}
		s.Restart()
		// The Publisher retries through the restart (every event has an
		// idempotency key).
		publish(50, 60)
		testkit.WaitFor(t, "all after restart", done(60))
		testkit.WaitFor(t, "two partitions each after restart", balanced)
		// A last round: a reader that resumed a partition too early would
		// see an entry again before this round's.
		publish(60, 61)
		testkit.WaitFor(t, "the last round", done(61))
		mu.Lock()
		defer mu.Unlock()
		for id, n := range read {
			if n != 1 {
				t.Errorf("reader got %s %d times", id, n)
			}
		}
	})
}
