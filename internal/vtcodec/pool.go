package vtcodec

import (
	"math/bits"
	"sync"

	"google.golang.org/grpc/mem"
)

// buffers holds the buffers the codecs encode into and join a message's
// frames into. They are written whole before they are read (MarshalToSizedBufferVT
// fills exactly SizeVT bytes, MaterializeToBuffer copies exactly the message), so
// unlike grpc-go's default pool they are not cleared: that pool clears a
// buffer's whole capacity on every Get, and a 40 KB Subscribe response came from
// its 1 MB tier, so each one cost a 1 MB memclr on both sides.
var buffers mem.BufferPool = newDirtyPool()

const (
	minPoolShift = 8  // 256 B: smaller messages are not pooled (mem.IsBelowBufferPoolingThreshold)
	maxPoolShift = 22 // 4 MB, grpc-go's default largest message; larger ones are allocated
)

// dirtyPool keeps buffers in power-of-two tiers, each tier's buffers of
// exactly its size.
type dirtyPool struct {
	tiers [maxPoolShift + 1]sync.Pool // of *[]byte; index: log2 of the capacity
}

func newDirtyPool() *dirtyPool { return new(dirtyPool) }

func (p *dirtyPool) Get(size int) *[]byte {
	shift := max(bits.Len(uint(size-1)), minPoolShift)
	if size <= 0 || shift > maxPoolShift {
		b := make([]byte, size)
		return &b
	}
	if b, ok := p.tiers[shift].Get().(*[]byte); ok {
		*b = (*b)[:size]
		return b
	}
	b := make([]byte, size, 1<<shift)
	return &b
}

func (p *dirtyPool) Put(b *[]byte) {
	c := cap(*b)
	shift := bits.Len(uint(c)) - 1
	if c == 0 || c != 1<<shift || shift < minPoolShift || shift > maxPoolShift {
		return // not one of ours
	}
	p.tiers[shift].Put(b)
}
