// Package testkit is what Sluice's tests share for waiting: tests wait for an
// observable condition, bounded by one deadline, never for a stretch of
// wall-clock time that is supposed to be long enough.
package testkit

import (
	"fmt"
	"net"
	"os"
	"testing"
	"time"
)

// Wait is how long a test waits for something that must happen before it
// fails: long enough for the whole suite under -race on a busy 2-core
// machine, where a step that takes milliseconds alone can take seconds.
// Tests do not pick their own: a condition that needs longer is a bug, or a
// wait for the wrong thing. SLUICE_TEST_WAIT (a Go duration) overrides it,
// e.g. to find out how long something really takes.
var Wait = waitFromEnv(30 * time.Second)

func waitFromEnv(def time.Duration) time.Duration {
	if v := os.Getenv("SLUICE_TEST_WAIT"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	return def
}

// poll is how often Eventually checks.
const poll = 10 * time.Millisecond

// Eventually calls check until it returns nil and fails tb with check's
// last error if that has not happened within Wait. check says what it is
// waiting for in its error, e.g. fmt.Errorf("pending %d, want 0", n).
func Eventually(tb testing.TB, check func() error) {
	tb.Helper()
	if err := Poll(Wait, check); err != nil {
		tb.Fatalf("still not so after %v: %v", Wait, err)
	}
}

// WaitFor is Eventually for a condition without more to say than what.
func WaitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	Eventually(tb, func() error {
		if !cond() {
			return fmt.Errorf("waiting for %s", what)
		}
		return nil
	})
}

// Poll calls check every few milliseconds until it returns nil, and returns
// nil then, or check's last error once d has passed. It is Eventually for
// code that must not call tb.Fatal (another goroutine, or a test that
// expects a bound to be reached).
func Poll(d time.Duration, check func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(poll)
	}
}

// Recv waits for a value on ch, or for ch to be closed (then it returns
// the zero value), at most Wait, and fails tb when neither came. what names
// the value in the failure.
func Recv[T any](tb testing.TB, ch <-chan T, what string) T {
	tb.Helper()
	t := time.NewTimer(Wait)
	defer t.Stop()
	select {
	case v := <-ch:
		return v
	case <-t.C:
		tb.Fatalf("no %s within %v", what, Wait)
	}
	var zero T
	return zero
}

// Progress fails tb when a count stops short of want: it calls count until
// it returns want, and fails if count has not grown for Wait, goes past
// want, or has not reached want within ten times Wait. It is for bulk work
// whose total time depends on how busy the machine is (thousands of
// messages), where one deadline for the whole would be a guess about
// speed: what such a test can assert is that the work moves on, with no
// pause longer than any the product allows. count runs in the test's
// goroutine, so it may do the work itself (take and ack what arrived).
func Progress(tb testing.TB, want int, count func() int) {
	tb.Helper()
	if err := progress(want, Wait, 10*Wait, count); err != nil {
		tb.Fatal(err)
	}
}

func progress(want int, stall, limit time.Duration, count func() int) error {
	start := time.Now()
	last, lastAt := count(), time.Now()
	for last != want {
		time.Sleep(poll)
		n := count()
		switch {
		case n > want:
			return fmt.Errorf("got %d, want %d", n, want)
		case n != last:
			last, lastAt = n, time.Now()
		case time.Since(lastAt) > stall:
			return fmt.Errorf("stuck at %d of %d for %v", n, want, stall)
		}
		if time.Since(start) > limit {
			return fmt.Errorf("%d of %d after %v", n, want, limit)
		}
	}
	return nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
