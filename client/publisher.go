// Package client is the Go client for Sluice: a Publisher that appends
// events to streams and a Subscriber that consumes them with explicit or
// automatic acks, flow control and reconnection.
//
// Both take a grpc.ClientConnInterface that the caller owns and closes.
package client

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
)

// Publisher appends events to streams. It is safe for concurrent use.
type Publisher struct {
	rpc      sluicev1.PublisherServiceClient
	retryFor time.Duration
}

// PublisherOption tunes a Publisher.
type PublisherOption func(*Publisher)

// WithPublishRetryFor sets how long Publish keeps retrying a batch whose
// events all have idempotency keys while the server or Redis is unavailable.
// Default 30 s; 0 disables retries.
func WithPublishRetryFor(d time.Duration) PublisherOption {
	return func(p *Publisher) { p.retryFor = max(d, 0) }
}

// NewPublisher returns a Publisher over conn.
func NewPublisher(conn grpc.ClientConnInterface, opts ...PublisherOption) *Publisher {
	p := &Publisher{rpc: sluicev1.NewPublisherServiceClient(conn), retryFor: 30 * time.Second}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Publish appends events to stream in one request and returns their entry
// IDs, in order. Either all events are stored or, on a validation error
// (errors.Is(err, ErrInvalidArgument)), none. It blocks until the server
// answers or ctx ends.
//
// When every event has an idempotency key (WithIdempotencyKey), Publish
// retries with backoff while the server answers UNAVAILABLE (a restart, a
// Redis failover): the keys make a retry of an already stored event return
// its original ID instead of storing it twice. Without keys it does not
// retry, since a retry after a lost answer could store the events twice.
func (p *Publisher) Publish(ctx context.Context, stream string, events ...*sluicev1.Event) ([]string, error) {
	res, err := p.publish(ctx, &sluicev1.PublishRequest{Stream: stream, Events: events})
	return res.GetIds(), err
}

// Position is where an event published to a topic was stored.
type Position struct {
	// Partition of the topic; the stream is "<topic>.p<Partition>".
	Partition int
	// ID is the entry ID in that partition's stream.
	ID string
}

// PublishTopic appends events to a partitioned topic (see
// AdminService.CreateTopic) and returns where each was stored, in order.
// Events with the same key (WithKey) go to the same partition, in order.
// Validation errors store nothing; other errors may leave some partitions
// written, so retries (as for Publish, automatic when every event has an
// idempotency key) rely on idempotency keys.
func (p *Publisher) PublishTopic(ctx context.Context, topic string, events ...*sluicev1.Event) ([]Position, error) {
	res, err := p.publish(ctx, &sluicev1.PublishRequest{Topic: topic, Events: events})
	if err != nil {
		return nil, err
	}
	out := make([]Position, len(res.GetIds()))
	for i, id := range res.GetIds() {
		out[i] = Position{ID: id}
		if i < len(res.GetPartitions()) {
			out[i].Partition = int(res.GetPartitions()[i])
		}
	}
	return out, nil
}

func (p *Publisher) publish(ctx context.Context, req *sluicev1.PublishRequest) (*sluicev1.PublishResponse, error) {
	events := req.GetEvents()
	retry := p.retryFor > 0
	for _, e := range events {
		retry = retry && e.GetIdempotencyKey() != ""
	}
	deadline := time.Now().Add(p.retryFor)
	delay := 50 * time.Millisecond
	for {
		res, err := p.rpc.Publish(ctx, req)
		if err == nil {
			return res, nil
		}
		if !retry || status.Code(err) != codes.Unavailable || time.Now().Add(delay).After(deadline) {
			return nil, wrap(err)
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, wrap(err)
		}
		delay = min(2*delay, time.Second)
	}
}

// EventOption sets an optional field of an event built by NewEvent.
type EventOption func(*sluicev1.Event)

// WithKey sets the event's key.
func WithKey(key string) EventOption { return func(e *sluicev1.Event) { e.Key = key } }

// WithIdempotencyKey makes publishing the event idempotent: the server
// stores it once per key and stream within its idempotency window, and
// Publish may then retry safely.
func WithIdempotencyKey(key string) EventOption {
	return func(e *sluicev1.Event) { e.IdempotencyKey = key }
}

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
