package streams

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// MaxWait is the longest ack deadline, nack delay or backoff, and the
// min-idle of every reclaim (see scripts.go).
const MaxWait = 600 * time.Second

// Policy is how a group subscription handles unacked messages.
type Policy struct {
	// AckDeadline is how long a message may go unacked after it was sent
	// before it is redelivered. 0 < AckDeadline <= MaxWait.
	AckDeadline time.Duration
	// MaxDeliveries is the number of deliveries after which an unacked
	// message is dead-lettered instead of delivered again. At least 1.
	MaxDeliveries int
	// BackoffMin and BackoffMax shape the delay before a redelivery after a
	// time-out or a nack without delay: BackoffMin * 2^(attempt-1), capped.
	BackoffMin, BackoffMax time.Duration
	// DeadLetterExpired moves expired messages to the dead-letter stream
	// with the reason "expired" instead of acking them (see screen.go).
	DeadLetterExpired bool
}

// Backoff is the retry delay after delivery attempt n.
func (p Policy) Backoff(n int) time.Duration {
	d := float64(p.BackoffMin) * math.Pow(2, float64(n-1))
	if d > float64(p.BackoffMax) {
		return p.BackoffMax
	}
	return time.Duration(d)
}

// wait is how long after a delivery of attempt n the message becomes
// claimable if nobody settles it.
func (p Policy) wait(n int) time.Duration {
	return min(p.AckDeadline+p.Backoff(n), MaxWait)
}

func (p Policy) validate() error {
	switch {
	case p.AckDeadline <= 0 || p.AckDeadline > MaxWait:
		return fmt.Errorf("streams: ack deadline must be in (0, %v]", MaxWait)
	case p.MaxDeliveries < 1:
		return errors.New("streams: max deliveries must be at least 1")
	case p.BackoffMin < 0 || p.BackoffMax < p.BackoffMin || p.BackoffMax > MaxWait:
		return fmt.Errorf("streams: backoff needs 0 <= min <= max <= %v", MaxWait)
	}
	return nil
}
