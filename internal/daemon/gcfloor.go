package daemon

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// DefaultHeapFloor is sluiced's default --gc-heap-floor-mib, in bytes.
const DefaultHeapFloor = 64 << 20

// SetHeapFloor makes the garbage collector let the heap grow to about floor
// bytes before it collects, while the live heap is small: after each
// collection it sets GOGC so that the next heap goal is floor, and back to
// 100 (Go's default) once the live heap is half the floor or more. sluiced's
// live heap is small (about 12 MB while it drains a stream at 250,000
// messages a second), so at Go's default it collects after every 12 MB
// allocated, dozens of times a second, and the collector was the largest
// single cost of a delivered message (BENCHMARKS.md). It costs up to floor
// bytes of memory. It does nothing when GOGC is set in the environment (the
// operator decided) or floor is 0; GOMEMLIMIT still caps the heap.
//
// It is process-wide (the collector is): sluiced's main calls it once, and
// so does `sluice bench` when it runs sluiced in its own process. stop puts
// GOGC back to 100.
func SetHeapFloor(floor uint64, getenv func(string) string) (stop func()) {
	if floor == 0 || getenv("GOGC") != "" {
		return func() {}
	}
	f := &heapFloor{floor: floor, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	f.adjust()
	f.arm()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.stopped.Store(true)
			debug.SetGCPercent(100)
		})
	}
}

type heapFloor struct {
	floor   uint64
	stopped atomic.Bool
	mu      sync.Mutex // adjust against stop
	percent int
	sample  []metrics.Sample
}

// arm has adjust run after the next collection: a finalizer runs once the
// collector has found its object unreachable, and re-arms itself.
func (f *heapFloor) arm() {
	sentinel := &struct{ _ *int }{} // has a pointer: not a tiny allocation, so the finalizer runs
	runtime.SetFinalizer(sentinel, func(any) {
		if f.stopped.Load() {
			return
		}
		f.adjust()
		f.arm()
	})
}

// adjust sets GOGC from the live heap the last collection measured.
func (f *heapFloor) adjust() {
	f.mu.Lock()
	defer f.mu.Unlock()
	metrics.Read(f.sample)
	if f.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	p := gcPercentFor(f.sample[0].Value.Uint64(), f.floor)
	if p != f.percent && !f.stopped.Load() {
		debug.SetGCPercent(p)
		f.percent = p
	}
}

// gcPercentFor is the GOGC that puts the heap goal at floor for a live heap
// of live bytes, at least 100 and at most 1000, rounded to tens so that
// small changes of the live heap do not reset it after every collection.
func gcPercentFor(live, floor uint64) int {
	if live == 0 || live*2 >= floor {
		return 100
	}
	p := int(floor*100/live) - 100
	return min(max(p/10*10, 100), 1000)
}
