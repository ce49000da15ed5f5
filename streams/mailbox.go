package streams

import (
	"context"
	"sync"
)

// mailbox is what a subscription (GroupSub, TopicSub) has for its caller:
// the deliveries queued for it, whether something else changed that Next
// must report (a topic's assignment), and the error that ended it. Producers
// (a dispatcher, a topic's forwarders and coordinator) fill it from their
// goroutines; one caller at a time empties it with next. Its methods are
// safe for concurrent use.
type mailbox struct {
	mu      sync.Mutex
	queue   []Delivery
	changed bool
	err     error
	notify  chan struct{} // cap 1: something above changed
}

func newMailbox() mailbox { return mailbox{notify: make(chan struct{}, 1)} }

// next blocks until deliveries are queued or a change was marked and
// returns the queued deliveries (none, for a change alone); after the
// mailbox ended, and once it is empty, it returns the error it ended with.
// It returns ctx.Err() when ctx ends first.
func (m *mailbox) next(ctx context.Context) ([]Delivery, error) {
	for {
		m.mu.Lock()
		q, changed, err := m.queue, m.changed, m.err
		m.queue, m.changed = nil, false
		m.mu.Unlock()
		if len(q) > 0 || changed {
			return q, nil
		}
		if err != nil {
			return nil, err
		}
		select {
		case <-m.notify:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// push queues ds, which the mailbox then owns.
func (m *mailbox) push(ds []Delivery) {
	m.mu.Lock()
	if len(m.queue) == 0 {
		m.queue = ds // the common case: next took everything before
	} else {
		m.queue = append(m.queue, ds...)
	}
	m.mu.Unlock()
	m.signal()
}

// mark makes the next call to next return even with nothing queued.
func (m *mailbox) mark() {
	m.mu.Lock()
	m.changed = true
	m.mu.Unlock()
	m.signal()
}

// drop removes the queued deliveries for which gone is true.
func (m *mailbox) drop(gone func(*Delivery) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for i := range m.queue {
		if !gone(&m.queue[i]) {
			m.queue[n] = m.queue[i]
			n++
		}
	}
	clear(m.queue[n:])
	m.queue = m.queue[:n]
}

// end makes next return err once the queue is empty; the first error
// stays.
func (m *mailbox) end(err error) {
	m.mu.Lock()
	if m.err == nil {
		m.err = err
	}
	m.mu.Unlock()
	m.signal()
}

func (m *mailbox) signal() {
	select {
	case m.notify <- struct{}{}:
	default:
	}
}
