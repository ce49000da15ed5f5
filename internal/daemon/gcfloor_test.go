package daemon

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/testkit"
)

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{12 << 20, 64 << 20, 430}, // 64/12 = 5.33: goal 5.3× the live heap
		{32 << 20, 64 << 20, 100}, // half the floor or more: Go's default
		{500 << 20, 64 << 20, 100},
		{1 << 20, 64 << 20, 1000}, // at most 1000
		{30 << 20, 64 << 20, 110},
		{0, 64 << 20, 100},
	} {
		if got := gcPercentFor(c.live, c.floor); got != c.want {
			t.Errorf("live %d MiB, floor %d MiB: GOGC %d, want %d", c.live>>20, c.floor>>20, got, c.want)
		}
	}
}

// gcPercent reads GOGC without changing it for long.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// After collections, the floor has raised GOGC for this test's small heap;
// stop puts it back; with GOGC in the environment nothing changes.
func TestSetHeapFloor(t *testing.T) {
	defer debug.SetGCPercent(gcPercent())
	debug.SetGCPercent(100)
	stop := SetHeapFloor(1<<30, func(string) string { return "" }) // 1 GiB: far above this test's heap
	testkit.Eventually(t, func() error {
		runtime.GC()
		if p := gcPercent(); p <= 100 {
			return fmt.Errorf("GOGC %d after collections, want it raised", p)
		}
		return nil
	})
	stop()
	if p := gcPercent(); p != 100 {
		t.Errorf("GOGC %d after stop, want 100", p)
	}
	runtime.GC()
	time.Sleep(20 * time.Millisecond) // for a floor still running to act after the collection; it can only miss that
	if p := gcPercent(); p != 100 {
		t.Errorf("GOGC %d after stop and a collection, want 100", p)
	}

	stop = SetHeapFloor(1<<30, func(k string) string {
		if k == "GOGC" {
			return "50"
		}
		return ""
	})
	defer stop()
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	if p := gcPercent(); p != 100 {
		t.Errorf("GOGC %d with GOGC set by the operator, want it left alone", p)
	}
}
