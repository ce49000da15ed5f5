package server_test

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/types/known/durationpb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// The core paths on a real 3-master Redis Cluster: streams on different
// nodes, each with its dead letters and idempotency keys in its own slot.
func TestCluster(t *testing.T) {
	t.Parallel()
	c := testredis.StartCluster(t, 3)
	s := testserver.Start(t, c.URL, daemon.Config{})
	e := &env{t: t, s: s, ctx: t.Context()}

	// Streams spread over the nodes.
	owners := map[string]bool{}
	var names []string
	for i := 0; len(owners) < 3 && i < 50; i++ {
		n := name(t, "s")
		owner, err := c.SlotOwner(e.ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if !owners[owner] {
			owners[owner] = true
			names = append(names, n)
		}
	}
	if len(names) != 3 {
		t.Fatalf("could not place a stream on each node: %v", owners)
	}
	for _, stream := range names {
		keyed := ev("A", "a")
		keyed.IdempotencyKey = "k1"
		first := e.publish(stream, keyed, ev("B", "b"), ev("C", "c"))
		if again := e.publish(stream, keyed); again[0] != first[0] {
			t.Fatalf("%s: idempotent publish gave %s, first %s", stream, again[0], first[0])
		}
		sub := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g", Start: earliest(),
			RetryPolicy: &sluicev1.RetryPolicy{MinimumBackoff: durationpb.New(0), MaximumBackoff: durationpb.New(0)}})
		got := sub.next(3)
		if !slices.Equal(ids(got), first) {
			t.Fatalf("%s: delivered %v", stream, ids(got))
		}
		e.ack(got[0].GetAckId())
		if _, err := e.s.Sub.Reject(e.ctx, &sluicev1.RejectRequest{AckIds: []string{got[1].GetAckId()}, Reason: "no"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Sub.Nack(e.ctx, &sluicev1.NackRequest{AckIds: []string{got[2].GetAckId()}, Delay: durationpb.New(0)}); err != nil {
			t.Fatal(err)
		}
		again := sub.next(1)[0]
		if again.GetId() != first[2] || again.GetDeliveryAttempt() != 2 {
			t.Fatalf("%s: redelivery %v", stream, again)
		}
		if st := e.ack(got[2].GetAckId(), again.GetAckId()); st[0] != sluicev1.AckStatus_ACK_STATUS_STALE || st[1] != sluicev1.AckStatus_ACK_STATUS_ACKED {
			t.Fatalf("%s: acks %v", stream, st)
		}
		dl, err := e.s.DL.ListDeadLetters(e.ctx, &sluicev1.ListDeadLettersRequest{Stream: stream})
		if err != nil || len(dl.GetDeadLetters()) != 1 || dl.GetDeadLetters()[0].GetSourceId() != first[1] {
			t.Fatalf("%s: dead letters %v %v", stream, dl, err)
		}
		if n := c.Client.XPending(e.ctx, stream, "g").Val().Count; n != 0 {
			t.Fatalf("%s: pending %d", stream, n)
		}
	}
	// Admin sees the streams of every node.
	res, err := e.s.Admin.ListStreams(e.ctx, &sluicev1.ListStreamsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := res.GetStreams()
	slices.Sort(got)
	want := slices.Clone(names)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("streams %v, want %v", got, want)
	}
	// An Ack batch across streams on different nodes.
	var acks []string
	for _, stream := range names {
		e.publish(stream, ev("D", "d"))
		sub := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "late", Start: earliest()})
		for _, m := range sub.next(4) {
			acks = append(acks, m.GetAckId())
		}
	}
	for i, st := range e.ack(acks...) {
		if st != sluicev1.AckStatus_ACK_STATUS_ACKED {
			t.Fatalf("ack %d: %v", i, st)
		}
	}
}
