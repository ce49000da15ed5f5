package streams_test

import (
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/streams"
)

// proxy forwards TCP connections to a Redis until cut, after which it
// refuses new ones and drops the open ones: a network partition between one
// sluiced and Redis.
type proxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, target: target}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			r, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, r)
			p.mu.Unlock()
			p.wg.Add(2)
			go func() { defer p.wg.Done(); _, _ = io.Copy(r, c); r.Close() }()
			go func() { defer p.wg.Done(); _, _ = io.Copy(c, r); c.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) cut() {
	p.l.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// A subscription cut off from Redis stops reading its partitions before its
// leases can expire, so the subscription that takes them over never reads a
// partition at the same time as it.
func TestTopicMemberCutOffStopsFirst(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	px := startProxy(t, r.Addr)
	direct := newStore(t, r)
	viaProxy := newStore(t, &testredis.Server{URL: "redis://" + px.l.Addr().String()})
	ctx := t.Context()
	if _, err := direct.CreateTopic(ctx, "t", 2); err != nil {
		t.Fatal(err)
	}
	policy := streams.Policy{AckDeadline: 5 * time.Second, MaxDeliveries: 5}
	opts := streams.TopicOptions{Topic: "t", Partitions: 2, Group: "g", Start: streams.Earliest, MaxInFlight: 10, Policy: policy}
	opts.Consumer = "a"
	a, err := viaProxy.SubscribeTopic(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	testkit.WaitFor(t, "a to hold both partitions", func() bool { return slices.Equal(a.Assignment(), []int{0, 1}) })
	opts.Consumer = "b"
	b, err := direct.SubscribeTopic(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	testkit.WaitFor(t, "a partition each", func() bool { return len(a.Assignment()) == 1 && len(b.Assignment()) == 1 })

	// From the cut on, watch both: b must not deliver a partition that a
	// still delivers, and a stops before b takes over.
	cutAt := time.Now()
	px.cut()
	var stopped, took time.Time
	testkit.Eventually(t, func() error {
		as, bs := a.Assignment(), b.Assignment()
		now := time.Now()
		for _, p := range bs {
			if slices.Contains(as, p) {
				t.Fatalf("partition %d delivered by a %v and b %v at once, %v after the cut", p, as, bs, now.Sub(cutAt))
			}
		}
		if stopped.IsZero() && len(as) == 0 {
			stopped = now
		}
		if took.IsZero() && slices.Equal(bs, []int{0, 1}) {
			took = now
		}
		if stopped.IsZero() || took.IsZero() {
			return fmt.Errorf("a holds %v, b holds %v", as, bs)
		}
		return nil
	})
	t.Logf("cut off: a stopped after %v, b took over after %v", stopped.Sub(cutAt), took.Sub(cutAt))
	if !stopped.Before(took) {
		t.Fatalf("b took a's partition %v after the cut, before a stopped (%v)", took.Sub(cutAt), stopped.Sub(cutAt))
	}
}
