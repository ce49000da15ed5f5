// Package client is the Go client for Sluice: a Publisher that appends
// events to streams and a Subscriber that consumes them with explicit or
// automatic acks, flow control and reconnection.
//
// Both take a grpc.ClientConnInterface that the caller owns and closes.
package client

import (
	"context"
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
)

// Publisher appends events to streams. It is safe for concurrent use.
type Publisher struct {
	rpc sluicev1.PublisherServiceClient
}

// NewPublisher returns a Publisher over conn.
func NewPublisher(conn grpc.ClientConnInterface) *Publisher {
	return &Publisher{rpc: sluicev1.NewPublisherServiceClient(conn)}
}

// Publish appends events to stream in one request and returns their entry
// IDs, in order. Either all events are stored or, on a validation error
// (errors.Is(err, ErrInvalidArgument)), none. It blocks until the server
// answers or ctx ends. It does not retry: a retry after a lost answer could
// store the events twice.
func (p *Publisher) Publish(ctx context.Context, stream string, events ...*sluicev1.Event) ([]string, error) {
	res, err := p.rpc.Publish(ctx, &sluicev1.PublishRequest{Stream: stream, Events: events})
	if err != nil {
		return nil, wrap(err)
	}
	return res.GetIds(), nil
}

// EventOption sets an optional field of an event built by NewEvent.
type EventOption func(*sluicev1.Event)

// WithKey sets the event's key.
func WithKey(key string) EventOption { return func(e *sluicev1.Event) { e.Key = key } }

// WithHeader sets one header.
func WithHeader(name, value string) EventOption {
	return func(e *sluicev1.Event) {
		if e.Headers == nil {
			e.Headers = make(map[string]string)
		}
		e.Headers[name] = value
	}
}

// NewEvent builds an event from a Protobuf message: its type is the
// message's full name, its payload the binary encoding. The server derives
// the version from the package ("examples.orders.v2" -> "v2").
func NewEvent(m proto.Message, opts ...EventOption) (*sluicev1.Event, error) {
	if m == nil {
		return nil, errors.New("sluice: nil message")
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	e := &sluicev1.Event{
		Type: string(m.ProtoReflect().Descriptor().FullName()),
		Data: &sluicev1.Event_Payload{Payload: b},
	}
	for _, o := range opts {
		o(e)
	}
	return e, nil
}
