package client

import (
	"context"

	"google.golang.org/grpc"

	"github.com/sluice-io/sluice/internal/vtcodec"
)

// fastCodec sends every call of the Publisher and Subscriber with the codec
// that encodes and decodes Sluice's messages with vtprotobuf's generated code
// instead of protobuf-go's reflection (same wire format; see
// internal/vtcodec). A codec the caller sets per call still wins: its option
// comes later.
type fastCodec struct{ grpc.ClientConnInterface }

var useFastCodec = grpc.ForceCodecV2(vtcodec.Client)

func (c fastCodec) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return c.ClientConnInterface.Invoke(ctx, method, args, reply, append([]grpc.CallOption{useFastCodec}, opts...)...)
}

func (c fastCodec) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return c.ClientConnInterface.NewStream(ctx, desc, method, append([]grpc.CallOption{useFastCodec}, opts...)...)
}
