package server_test

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
)

const euOrders = `type.startsWith("demo.orders.") && headers["region"] == "eu"`

func region(e *sluicev1.Event, r string) *sluicev1.Event {
	e.Headers = map[string]string{"region": r}
	return e
}

// publishRegions publishes orders and invoices in two regions, one order
// without a region; the EU orders' payloads start with "eu-order".
func (e *env) publishRegions(stream, tag string) {
	e.t.Helper()
	e.publish(stream,
		region(ev("demo.orders.v1.Created", "eu-order-"+tag+"1"), "eu"),
		region(ev("demo.orders.v1.Created", "us-order-"+tag), "us"),
		region(ev("demo.billing.v1.Invoice", "eu-invoice-"+tag), "eu"),
		ev("demo.orders.v1.Created", "no-region-"+tag),
		region(ev("demo.orders.v1.Shipped", "eu-order-"+tag+"2"), "eu"))
}

func (e *env) groupFilter(stream, group string) string {
	e.t.Helper()
	res, err := e.s.Admin.DescribeStream(e.ctx, &sluicev1.DescribeStreamRequest{Stream: stream})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, g := range res.GetStream().GetGroups() {
		if g.GetName() == group {
			return g.GetFilter()
		}
	}
	e.t.Fatalf("no group %s on %s", group, stream)
	return ""
}

// A group's filter is set by the Subscribe that creates the group and
// kept: the group is sent only what matches, the rest is acked on its
// behalf and counted; later subscribers get the group's filter without
// naming it, and one naming another filter is refused with the group's.
func TestGroupFilter(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{MetricsListen: "127.0.0.1:0"})
		stream := name(t, "s")
		e.publishRegions(stream, "a")
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "eu", Start: earliest(), Filter: euOrders})
		got := s.next(2)
		if payloads(got) != "eu-order-a1,eu-order-a2" {
			t.Fatalf("filtered group got %s; want the two EU orders", payloads(got))
		}
		e.ack(ackIDs(got)...)
		testkit.Eventually(t, func() error {
			if n := e.r.Client.XPending(e.ctx, stream, "eu").Val().Count; n != 0 {
				return fmt.Errorf("%d pending; want the non-matching ones acked by the group", n)
			}
			return nil
		})
		if v := metricValue(scrape(t, e.s), "sluice_filtered_total", `group="eu",stream="`+stream+`"`); v != 3 {
			t.Fatalf("sluice_filtered_total %v, want 3", v)
		}
		if f := e.groupFilter(stream, "eu"); f != euOrders {
			t.Fatalf("DescribeStream shows filter %q", f)
		}

		// Another subscriber of the group, naming no filter, gets the group's.
		s.cancel()
		s2 := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "eu"})
		e.publishRegions(stream, "b")
		if got := s2.next(2); payloads(got) != "eu-order-b1,eu-order-b2" {
			t.Fatalf("second subscriber got %s; want the group's filter applied", payloads(got))
		}
		_, err := e.trySubscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "eu", Filter: `type == "x"`})
		if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), euOrders) {
			t.Fatalf("a different filter: %v; want FailedPrecondition naming the group's filter", err)
		}

		// Another group without a filter gets everything; one may not add
		// a filter to it later.
		all := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "all", Start: earliest()})
		if got := all.next(10); len(got) != 10 {
			t.Fatalf("unfiltered group got %d", len(got))
		}
		_, err = e.trySubscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "all", Filter: euOrders})
		if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "has no filter") {
			t.Fatalf("a filter for an unfiltered group: %v; want FailedPrecondition", err)
		}

		// An independent reader with its own filter.
		r := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Start: earliest(), Filter: `headers["region"] == "us"`})
		if got := r.next(2); payloads(got) != "us-order-a,us-order-b" {
			t.Fatalf("filtered reader got %s", payloads(got))
		}
	})
}

// CreateGroup sets a filter too; deleting the group deletes its filter.
func TestCreateGroupWithFilter(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		e := newEnv(t, b, daemon.Config{})
		stream := name(t, "s")
		e.publishRegions(stream, "a")
		req := &sluicev1.CreateGroupRequest{Stream: stream, Group: "eu", Start: earliest(), Filter: euOrders}
		if res, err := e.s.Admin.CreateGroup(e.ctx, req); err != nil || !res.GetCreated() {
			t.Fatalf("CreateGroup: %v %v", res, err)
		}
		if res, err := e.s.Admin.CreateGroup(e.ctx, req); err != nil || res.GetCreated() {
			t.Fatalf("CreateGroup again, same filter: %v %v; want created false", res, err)
		}
		_, err := e.s.Admin.CreateGroup(e.ctx, &sluicev1.CreateGroupRequest{Stream: stream, Group: "eu", Filter: `key == "k"`})
		if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), euOrders) {
			t.Fatalf("CreateGroup with another filter: %v", err)
		}
		s := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "eu"})
		if got := s.next(2); payloads(got) != "eu-order-a1,eu-order-a2" {
			t.Fatalf("got %s", payloads(got))
		}
		s.cancel()
		if _, err := e.s.Admin.DeleteGroup(e.ctx, &sluicev1.DeleteGroupRequest{Stream: stream, Group: "eu"}); err != nil {
			t.Fatal(err)
		}
		all := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "eu", Start: earliest()})
		if got := all.next(5); len(got) != 5 || e.groupFilter(stream, "eu") != "" {
			t.Fatalf("recreated group got %d, filter %q; want all 5 and no filter", len(got), e.groupFilter(stream, "eu"))
		}
	})
}

func TestFilterBadInput(t *testing.T) {
	e := newEnv(t, testredis.Backends[0], daemon.Config{})
	stream := name(t, "s")
	for expr, want := range map[string]string{
		`type ==`:        "1:8",
		`region == "eu"`: "undeclared reference to 'region'",
		`type`:           "must be a bool expression",
		`headers.all(a, headers.all(b, headers.all(c, a + b + c == type)))`: "limit",
	} {
		_, err := e.trySubscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g", Filter: expr})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "filter: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("Subscribe with filter %.30q: %v; want InvalidArgument with %q", expr, err, want)
		}
		_, err = e.s.Admin.CreateGroup(e.ctx, &sluicev1.CreateGroupRequest{Stream: stream, Group: "g", Filter: expr})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), want) {
			t.Errorf("CreateGroup with filter %.30q: %v; want InvalidArgument with %q", expr, err, want)
		}
	}
	if n := e.r.Client.Exists(e.ctx, stream).Val(); n != 0 {
		t.Fatal("a refused filter created the stream")
	}
	if _, err := e.s.Admin.CreateTopic(e.ctx, &sluicev1.CreateTopicRequest{Topic: "t", Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	_, err := e.trySubscribe(&sluicev1.SubscribeRequest{Topic: "t", Group: "g", Filter: euOrders})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("a filter on a topic: %v; want InvalidArgument", err)
	}
}
