package streams

import (
	"sync"
	"time"
)

// Delivery is an entry delivered to a group subscription.
type Delivery struct {
	Entry
	// Attempt is the entry's delivery count in the group's pending entries
	// list after this delivery: 1 on first delivery.
	Attempt int
	// NackDelay is the retry backoff for this attempt: the delay of a nack
	// that names none.
	NackDelay time.Duration
	// Stream is the stream the entry is in.
	Stream string
	// Partition is the entry's partition, for a topic subscription.
	Partition int
	// Fence is the group's redelivery epoch when the entry was delivered,
	// plus one (0: unknown). Pass it back in Ref.Fence: while no entry of
	// the group has been redelivered since, an ack needs no delivery count
	// check (see ackScript).
	Fence  uint64
	readAt time.Time
}

// deliveryPool keeps the arrays of read batches (*[]Delivery) that went
// out (Sent) for later reads: a read of 500 entries is a 100 KB array.
// What a pooled array still points to (payloads) stays reachable until it
// is reused, or dropped by the pool at a garbage collection.
var deliveryPool sync.Pool

// getDeliveries is an empty slice with room for n deliveries.
func getDeliveries(n int) []Delivery {
	if p, ok := deliveryPool.Get().(*[]Delivery); ok {
		if cap(*p) >= n {
			return (*p)[:0]
		}
		deliveryPool.Put(p)
	}
	return make([]Delivery, 0, n)
}

// putDeliveries gives ds's array back for later reads.
func putDeliveries(ds []Delivery) {
	if cap(ds) >= minPooledBatch {
		ds = ds[:0]
		deliveryPool.Put(&ds)
	}
}

// minPooledBatch is the smallest read batch array worth keeping.
const minPooledBatch = 64
