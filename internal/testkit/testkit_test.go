package testkit

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	var n atomic.Int64
	if err := Poll(time.Minute, func() error {
		if n.Add(1) < 3 {
			return errors.New("not yet")
		}
		return nil
	}); err != nil || n.Load() != 3 {
		t.Fatalf("Poll: %v after %d checks, want nil after 3", err, n.Load())
	}
	err := Poll(30*time.Millisecond, func() error { return errors.New("never") })
	if err == nil || err.Error() != "never" {
		t.Fatalf("Poll of a condition that never holds: %v, want its last error", err)
	}
}

func TestProgress(t *testing.T) {
	var n atomic.Int64
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for n.Load() < 50 {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			n.Add(1)
		}
	}()
	count := func() int { return int(n.Load()) }
	if err := progress(50, time.Minute, time.Minute, count); err != nil {
		t.Fatalf("a count that grows to want: %v", err)
	}
	if err := progress(51, 50*time.Millisecond, time.Minute, count); err == nil || !strings.Contains(err.Error(), "stuck at 50 of 51") {
		t.Fatalf("a count that stops: %v", err)
	}
	if err := progress(40, time.Minute, time.Minute, count); err == nil || !strings.Contains(err.Error(), "got 50, want 40") {
		t.Fatalf("a count past want: %v", err)
	}
}
