// Package vtcodec holds gRPC codecs that encode and decode Sluice's hot-path
// messages with the methods planetscale/vtprotobuf generates next to
// protoc-gen-go's code in gen/go (no reflection), and every other message
// with protobuf-go, as grpc-go's own codec does. The wire format is the same:
// either side may use either codec.
//
// vtprotobuf does not check that string fields hold valid UTF-8, which
// protobuf-go does and proto3 requires (and other languages' decoders
// enforce). So the codecs use it only where the strings are known to be valid:
//
//   - Server decodes Publish and Ack requests with vtprotobuf, and every
//     other request with protobuf-go. The Publish and Ack handlers check
//     every string field of their requests themselves (names and ack IDs by
//     their character sets, free text with utf8.ValidString), which
//     server.TestInvalidUTF8 checks field by field, from the descriptors.
//     It encodes Subscribe, Publish and Ack responses with vtprotobuf: their
//     strings are validated request fields, Redis entry IDs, ack IDs, and
//     entry fields that streams.decodeEntry checked.
//   - Client encodes requests with vtprotobuf (the server's decoding or its
//     handlers check them) and decodes every response with it (the server
//     sends only valid strings: those of the responses above are checked at
//     their source, and protobuf-go refuses to encode the others).
//
// Neither is registered globally: sluiced sets Server with
// grpc.ForceServerCodecV2, the Go client sets Client per call with
// grpc.ForceCodecV2. Both are named "proto", like grpc-go's.
package vtcodec

import (
	"fmt"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
)

var (
	// Server is sluiced's codec.
	Server encoding.CodecV2 = codec{vtMarshal: serverEncodesVT, vtUnmarshal: serverDecodesVT}
	// Client is the Go client's codec.
	Client encoding.CodecV2 = codec{vtMarshal: always, vtUnmarshal: always}
)

// vtMessage is what protoc-gen-go-vtproto generates (features marshal,
// unmarshal and size).
type vtMessage interface {
	SizeVT() int
	MarshalToSizedBufferVT([]byte) (int, error)
	UnmarshalVT([]byte) error
}

func serverEncodesVT(v any) bool {
	switch v.(type) {
	case *sluicev1.SubscribeResponse, *sluicev1.PublishResponse, *sluicev1.AckResponse:
		return true
	}
	return false
}

// serverDecodesVT lists the requests whose handlers check UTF-8 themselves.
func serverDecodesVT(v any) bool {
	switch v.(type) {
	case *sluicev1.PublishRequest, *sluicev1.AckRequest:
		return true
	}
	return false
}

func always(any) bool { return true }

type codec struct {
	vtMarshal, vtUnmarshal func(any) bool
}

func (codec) Name() string { return "proto" }

func (c codec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(vtMessage)
	if !ok || !c.vtMarshal(v) {
		return marshalProto(v)
	}
	size := m.SizeVT()
	if mem.IsBelowBufferPoolingThreshold(size) {
		buf := make([]byte, size)
		if _, err := m.MarshalToSizedBufferVT(buf); err != nil {
			return nil, err
		}
		return mem.BufferSlice{mem.SliceBuffer(buf)}, nil
	}
	buf := buffers.Get(size)
	if n, err := m.MarshalToSizedBufferVT(*buf); err != nil || n != size {
		buffers.Put(buf)
		if err == nil {
			err = fmt.Errorf("vtcodec: %T encoded to %d bytes, not the %d it sized", v, n, size)
		}
		return nil, err
	}
	return mem.BufferSlice{mem.NewBuffer(buf, buffers)}, nil
}

func (c codec) Unmarshal(data mem.BufferSlice, v any) error {
	buf := data.MaterializeToBuffer(buffers)
	defer buf.Free()
	if m, ok := v.(vtMessage); ok && c.vtUnmarshal(v) {
		// UnmarshalVT merges into m and copies what it keeps (strings and
		// bytes), so the buffer can go back to the pool. grpc-go passes a
		// new message for every request and response.
		return m.UnmarshalVT(buf.ReadOnlyData())
	}
	pm, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("vtcodec: cannot decode into %T, not a proto.Message", v)
	}
	return proto.Unmarshal(buf.ReadOnlyData(), pm)
}

func marshalProto(v any) (mem.BufferSlice, error) {
	pm, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("vtcodec: cannot encode %T, not a proto.Message", v)
	}
	buf, err := proto.Marshal(pm)
	if err != nil {
		return nil, err
	}
	return mem.BufferSlice{mem.SliceBuffer(buf)}, nil
}
