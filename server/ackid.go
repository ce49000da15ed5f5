package server

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/sluice-io/sluice/streams"
)

// An ack ID carries everything a replica needs to settle a delivery:
// stream, group, entry ID, the delivery attempt it was handed out with (an
// ack for an older attempt is stale), and the retry backoff for that attempt
// (the delay of a nack that names none). Layout, base64url without padding:
//
//	version byte (1) | uvarint len | stream | uvarint len | group |
//	uvarint ms | uvarint seq | uvarint attempt | uvarint nack delay ms
//
// With an ack key (WithAckKey) the version byte is 2 and a tag follows:
// the first 16 bytes of HMAC-SHA256(key, everything before it). A server with
// a key accepts only tagged IDs with a valid tag; one without, only
// untagged ones. A delivery with a fence (streams.Delivery.Fence) has
// version 3 (4 with a tag) and the fence as one more uvarint after the
// nack delay; versions 1 and 2 are those of before fences.
const (
	ackIDPlain        = 1
	ackIDSigned       = 2
	ackIDFencedPlain  = 3
	ackIDFencedSigned = 4
	ackTagLen         = 16
	maxAckIDLen       = 1024 // characters of base64
)

func encodeAckID(key []byte, stream, group string, id streams.ID, attempt int, nackDelay time.Duration, fence uint64) string {
	var buf [160]byte // on the stack: long names spill to the heap
	b := buf[:0]
	switch {
	case key == nil && fence == 0:
		b = append(b, ackIDPlain)
	case key == nil:
		b = append(b, ackIDFencedPlain)
	case fence == 0:
		b = append(b, ackIDSigned)
	default:
		b = append(b, ackIDFencedSigned)
	}
	b = binary.AppendUvarint(b, uint64(len(stream)))
	b = append(b, stream...)
	b = binary.AppendUvarint(b, uint64(len(group)))
	b = append(b, group...)
	b = binary.AppendUvarint(b, id.Ms)
	b = binary.AppendUvarint(b, id.Seq)
	b = binary.AppendUvarint(b, uint64(attempt))
	b = binary.AppendUvarint(b, uint64(nackDelay.Milliseconds()))
	if fence != 0 {
		b = binary.AppendUvarint(b, fence)
	}
	if key != nil {
		b = ackTag(key, b, b)
	}
	var out [256]byte
	return string(base64.RawURLEncoding.AppendEncode(out[:0], b))
}

// ackTag appends the tag of msg to dst. HMAC states are pooled: setting one
// up hashes the key twice, which was most of the cost of an ack ID. msg is
// copied into the state's own buffer before hashing: what goes into a
// hash.Hash (an interface) escapes, and the callers' buffers are arrays on
// their stacks.
func ackTag(key, msg, dst []byte) []byte {
	p := macPools.Load()
	if p == nil || !bytes.Equal(p.key, key) {
		k := bytes.Clone(key)
		p = &macPool{key: k, pool: sync.Pool{New: func() any { return &macState{mac: hmac.New(sha256.New, k)} }}}
		macPools.Store(p)
	}
	m := p.pool.Get().(*macState)
	m.buf = append(m.buf[:0], msg...)
	m.mac.Reset()
	m.mac.Write(m.buf)
	m.buf = m.mac.Sum(m.buf[:0])
	dst = append(dst, m.buf[:ackTagLen]...)
	p.pool.Put(m)
	return dst
}

type macPool struct {
	key  []byte
	pool sync.Pool // of *macState with key
}

type macState struct {
	mac hash.Hash // HMAC-SHA256
	buf []byte
}

// macPools holds the pool for the last key used (a server has one key).
var macPools atomic.Pointer[macPool]

var errAckID = errors.New("not an ack ID issued by Sluice")

var errAckTag = errors.New("ack ID signature does not match: altered, or issued by a server with another ack key")

func decodeAckID(key []byte, s string) (streams.Ref, error) {
	return decodeAckIDAfter(key, s, nil)
}

// decodeAckIDAfter is decodeAckID that reuses prev's stream and group
// strings when they are the same: the IDs of one Ack call mostly are.
func decodeAckIDAfter(key []byte, s string, prev *streams.Ref) (streams.Ref, error) {
	if len(s) > maxAckIDLen {
		return streams.Ref{}, errAckID
	}
	var buf [192]byte // on the stack: long IDs spill to the heap
	// Strict: one string per ID. The decoder only reads s.
	b, err := base64.RawURLEncoding.Strict().AppendDecode(buf[:0], unsafe.Slice(unsafe.StringData(s), len(s)))
	if err != nil || len(b) == 0 {
		return streams.Ref{}, errAckID
	}
	var prevStream, prevGroup string
	if prev != nil {
		prevStream, prevGroup = prev.Stream, prev.Group
	}
	fenced := b[0] == ackIDFencedPlain || b[0] == ackIDFencedSigned
	switch {
	case key == nil && (b[0] == ackIDPlain || b[0] == ackIDFencedPlain):
	case key != nil && (b[0] == ackIDSigned || b[0] == ackIDFencedSigned):
		if len(b) < 1+ackTagLen {
			return streams.Ref{}, errAckID
		}
		body, tag := b[:len(b)-ackTagLen], b[len(b)-ackTagLen:]
		var want [ackTagLen]byte
		if !hmac.Equal(tag, ackTag(key, body, want[:0])) {
			return streams.Ref{}, errAckTag
		}
		b = body
	case key != nil && (b[0] == ackIDPlain || b[0] == ackIDFencedPlain):
		return streams.Ref{}, errors.New("unsigned ack ID, but this server signs them")
	default:
		return streams.Ref{}, errAckID
	}
	b = b[1:]
	str := func(same string) (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", false
		}
		v := same
		if raw := b[k : k+int(n)]; string(raw) != same {
			v = string(raw)
		}
		b = b[k+int(n):]
		return v, true
	}
	num := func() (uint64, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return n, true
	}
	var r streams.Ref
	var ok1, ok2, ok3, ok4, ok5, ok6 bool
	r.Stream, ok1 = str(prevStream)
	r.Group, ok2 = str(prevGroup)
	r.ID.Ms, ok3 = num()
	r.ID.Seq, ok4 = num()
	attempt, ok5 := num()
	delay, ok6 := num()
	if fenced {
		var ok7 bool
		// Zero is no fence, written as the unfenced versions.
		r.Fence, ok7 = num()
		ok6 = ok6 && ok7 && r.Fence != 0
	}
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || len(b) != 0 || attempt < 1 || attempt > 1<<31-1 ||
		delay > uint64(streams.MaxWait.Milliseconds()) ||
		validateName("stream", r.Stream) != nil || validateName("group", r.Group) != nil {
		return streams.Ref{}, errAckID
	}
	r.Attempt = int(attempt)
	r.Wait = time.Duration(delay) * time.Millisecond
	return r, nil
}
