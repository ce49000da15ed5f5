package vtcodec

import (
	"bytes"
	"strings"
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
)

func TestDirtyPoolSizes(t *testing.T) {
	p := newDirtyPool()
	for _, n := range []int{0, 1, 255, 256, 257, 4096, 40 << 10, 1 << 20, 4 << 20, 4<<20 + 1} {
		b := p.Get(n)
		if len(*b) != n {
			t.Errorf("Get(%d): length %d", n, len(*b))
		}
		if c := cap(*b); n > 0 && n <= 4<<20 && (c&(c-1) != 0 || c < max(n, 256) || c >= 2*max(n, 256)) {
			t.Errorf("Get(%d): capacity %d, want the power of two that fits", n, c)
		}
		p.Put(b)
	}
	odd := make([]byte, 300)
	p.Put(&odd) // not a tier's size: dropped, not handed out as a 256-byte buffer
	for range 100 {
		if b := p.Get(256); cap(*b) != 256 {
			t.Fatalf("a 256-byte Get got capacity %d", cap(*b))
		}
	}
}

// Buffers come back from the pool with an earlier message's bytes in them:
// each response, encoded after a larger one, and each decoded from
// several frames after a larger one, must still be exactly itself.
func TestDirtyBuffersAreWrittenWhole(t *testing.T) {
	for round := range 3 {
		for _, n := range []int{3000, 1000, 300, 40, 2} {
			m := &sluicev1.SubscribeResponse{}
			for i := range n {
				m.Messages = append(m.Messages, &sluicev1.Message{Id: strings.Repeat("7", 1+(i+round)%9), AckId: "a",
					Event: &sluicev1.Event{Type: "t", Data: &sluicev1.Event_Payload{Payload: bytes.Repeat([]byte{byte(n)}, 100)}}})
			}
			want, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Server.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Materialize(), want) {
				t.Fatalf("round %d, %d messages: encoded bytes differ from protobuf-go's", round, n)
			}
			got.Free()
			third := len(want) / 3
			frames := mem.BufferSlice{mem.SliceBuffer(want[:third]), mem.SliceBuffer(want[third : 2*third]), mem.SliceBuffer(want[2*third:])}
			back := &sluicev1.SubscribeResponse{}
			if err := Client.Unmarshal(frames, back); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(back, m) {
				t.Fatalf("round %d, %d messages: decoded message differs", round, n)
			}
		}
	}
}
