package client

// Waiting is how many Publish calls to stream wait behind the calls in
// flight, for tests that must know a call has queued.
func Waiting(p *Publisher, stream string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if q := p.queues[stream]; q != nil {
		return len(q.waiting)
	}
	return 0
}
