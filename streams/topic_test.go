package streams_test

import (
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

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
	waitAssigned := func(s *streams.TopicSub, want []int, within time.Duration) time.Time {
		t.Helper()
		deadline := time.Now().Add(within)
		for !slices.Equal(s.Assignment(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("%s holds %v after %v, want %v", s.Member(), s.Assignment(), within, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Now()
	}
	waitAssigned(a, []int{0, 1}, 5*time.Second)
	opts.Consumer = "b"
	b, err := direct.SubscribeTopic(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	deadline := time.Now().Add(10 * time.Second)
	for len(a.Assignment()) != 1 || len(b.Assignment()) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("no rebalance: a %v, b %v", a.Assignment(), b.Assignment())
		}
		time.Sleep(10 * time.Millisecond)
	}

	cutAt := time.Now()
	px.cut()
	stopped := waitAssigned(a, []int{}, 10*time.Second)
	took := waitAssigned(b, []int{0, 1}, 15*time.Second)
	t.Logf("cut off: a stopped after %v, b took over after %v", stopped.Sub(cutAt), took.Sub(cutAt))
	// a stops 4 s after its last renewal began, b can take over 6 s after
	// it ended: a second is a safe margin for scheduling noise.
	if took.Sub(stopped) < time.Second {
		t.Fatalf("b took a's partition %v after the cut, only %v after a stopped", took.Sub(cutAt), took.Sub(stopped))
	}
}
