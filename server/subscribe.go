package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/filter"
	"github.com/sluice-io/sluice/internal/tracing"
	"github.com/sluice-io/sluice/streams"
)

// Subscribe implements sluice.v1.SubscriberService. Only this handler's
// goroutine calls Send; it returns when the client goes away, the
// subscription ends, or the Store closes.
func (s *Server) Subscribe(req *sluicev1.SubscribeRequest, stream grpc.ServerStreamingServer[sluicev1.SubscribeResponse]) error {
	ctx := stream.Context()
	topic := req.GetTopic()
	switch {
	case topic != "" && req.GetStream() != "":
		return invalid("topic", "set either stream or topic, not both")
	case topic != "":
		if err := validateTopic(topic); err != nil {
			return err
		}
	default:
		if err := validateName("stream", req.GetStream()); err != nil {
			return invalid("stream", "%v", err)
		}
	}
	if req.GetGroup() != "" {
		if err := validateName("group", req.GetGroup()); err != nil {
			return invalid("group", "%v", err)
		}
	}
	if c := req.GetConsumer(); c != "" {
		if req.GetGroup() == "" {
			return invalid("consumer", "a consumer name needs a group; independent readers have none")
		}
		if err := validateName("consumer", c); err != nil {
			return invalid("consumer", "%v", err)
		}
	}
	partitions := 0
	if topic != "" {
		var err error
		if partitions, err = s.topic(ctx, PermSubscribe, topic, req.GetGroup()); err != nil {
			return err
		}
		if _, ok := req.GetStart().GetPosition().(*sluicev1.StartPosition_AfterId); ok {
			return invalid("start.after_id", "an entry ID is a position in one partition: start a topic at an edge or a time, "+
				"or read the partition stream %s.p<n> from an ID", topic)
		}
	} else if err := s.authz.Allow(ctx, PermSubscribe, req.GetStream(), req.GetGroup()); err != nil {
		return err
	}
	release, err := s.authz.OpenSubscription(ctx)
	if err != nil {
		return err
	}
	defer release()
	maxInFlight := int(req.GetMaxInFlight())
	switch {
	case maxInFlight < 0 || maxInFlight > MaxInFlightLimit:
		s.metrics.Refused("max_in_flight")
		return invalid("max_in_flight", "%d is out of range: use 1..%d, or 0 for the default %d",
			maxInFlight, MaxInFlightLimit, DefaultMaxInFlight)
	case maxInFlight == 0:
		maxInFlight = DefaultMaxInFlight
	}
	if _, ok := sluicev1.PayloadFormat_name[int32(req.GetPayloadFormat())]; !ok {
		return invalid("payload_format", "unknown value %d", req.GetPayloadFormat())
	}
	start, err := startPosition(req.GetStart())
	if err != nil {
		return err
	}
	var match func(*streams.Entry) bool
	if expr := req.GetFilter(); expr != "" {
		if topic != "" {
			return invalid("filter", "filters on topics are not supported yet; filter a partition stream, or in the handler")
		}
		f, err := filter.Compile(expr)
		if err != nil {
			return invalid("filter", "%v", err)
		}
		match = f.Match
	}
	if req.GetGroup() == "" {
		if req.GetAckDeadline() != nil || req.GetMaxDeliveries() != 0 || req.GetRetryPolicy() != nil || req.GetDeadLetterExpired() {
			return invalid("group", "ack_deadline, max_deliveries, retry_policy and dead_letter_expired need a group; independent readers ack nothing")
		}
		if topic != "" {
			return s.readTopic(ctx, req, partitions, start, maxInFlight, stream)
		}
		return s.read(ctx, req, start, maxInFlight, match, stream)
	}
	policy, err := policyOf(req)
	if err != nil {
		return err
	}
	if topic != "" {
		return s.subscribeTopicGroup(ctx, req, partitions, start, maxInFlight, policy, stream)
	}
	return s.subscribeGroup(ctx, req, start, maxInFlight, policy, stream)
}

// Policy defaults; see SubscribeRequest.
const (
	DefaultAckDeadline   = 30 * time.Second
	DefaultMaxDeliveries = 10
	DefaultBackoffMin    = time.Second
	DefaultBackoffMax    = 60 * time.Second
	maxMaxDeliveries     = 1000
)

func policyOf(req *sluicev1.SubscribeRequest) (streams.Policy, error) {
	p := streams.Policy{
		AckDeadline:   DefaultAckDeadline,
		MaxDeliveries: DefaultMaxDeliveries,
		BackoffMin:    DefaultBackoffMin,
		BackoffMax:    DefaultBackoffMax,

		DeadLetterExpired: req.GetDeadLetterExpired(),
	}
	var err error
	if d := req.GetAckDeadline(); d != nil {
		if p.AckDeadline, err = duration("ack_deadline", d, time.Second, streams.MaxWait); err != nil {
			return p, err
		}
	}
	switch n := req.GetMaxDeliveries(); {
	case n < 0 || n > maxMaxDeliveries:
		return p, invalid("max_deliveries", "%d is out of range: use 1..%d, or 0 for the default %d", n, maxMaxDeliveries, DefaultMaxDeliveries)
	case n > 0:
		p.MaxDeliveries = int(n)
	}
	if r := req.GetRetryPolicy(); r != nil {
		if r.GetMinimumBackoff() != nil {
			if p.BackoffMin, err = duration("retry_policy.minimum_backoff", r.GetMinimumBackoff(), 0, streams.MaxWait); err != nil {
				return p, err
			}
			p.BackoffMax = max(p.BackoffMax, p.BackoffMin)
		}
		if r.GetMaximumBackoff() != nil {
			if p.BackoffMax, err = duration("retry_policy.maximum_backoff", r.GetMaximumBackoff(), p.BackoffMin, streams.MaxWait); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

// startPosition turns the request's position into a Redis position: "$", or
// an ID after which reading starts.
func startPosition(p *sluicev1.StartPosition) (string, error) {
	switch pos := p.GetPosition().(type) {
	case nil:
		return streams.Newest, nil
	case *sluicev1.StartPosition_Edge:
		switch pos.Edge {
		case sluicev1.Edge_EDGE_UNSPECIFIED, sluicev1.Edge_EDGE_NEWEST:
			return streams.Newest, nil
		case sluicev1.Edge_EDGE_EARLIEST:
			return streams.Earliest, nil
		}
		return "", invalid("start.edge", "unknown value %d", pos.Edge)
	case *sluicev1.StartPosition_AfterId:
		id, err := streams.ParseID(pos.AfterId)
		if err != nil {
			return "", invalid("start.after_id", "%q: %v", pos.AfterId, err)
		}
		return id.String(), nil
	case *sluicev1.StartPosition_Time:
		if err := pos.Time.CheckValid(); err != nil {
			return "", invalid("start.time", "%v", err)
		}
		return streams.AfterTime(pos.Time.AsTime()), nil
	}
	return "", invalid("start", "unknown position")
}

// groupFilter creates the group with filter expr if it is missing, and
// returns the group's filter (nil for none). A group that has another
// filter than a non-empty expr is FAILED_PRECONDITION.
func (s *Server) groupFilter(ctx context.Context, stream, group, start, expr string) (func(*streams.Entry) bool, error) {
	_, has, err := s.store.CreateGroup(ctx, stream, group, start, expr)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	if expr != "" && has != expr {
		return nil, filterMismatch(group, has)
	}
	if has == "" {
		return nil, nil
	}
	f, err := filter.Compile(has)
	if err != nil { // written by something else than Sluice
		return nil, status.Errorf(codes.FailedPrecondition, "group %q has the filter `%s`, which does not compile: %v; delete and recreate the group", group, has, err)
	}
	return f.Match, nil
}

func filterMismatch(group, has string) error {
	if has == "" {
		return status.Errorf(codes.FailedPrecondition, "group %q has no filter; subscribe without one, or use another group", group)
	}
	return status.Errorf(codes.FailedPrecondition, "group %q has the filter `%s`; subscribe with that filter or none, or use another group", group, has)
}

func (s *Server) subscribeGroup(ctx context.Context, req *sluicev1.SubscribeRequest, start string, maxInFlight int,
	policy streams.Policy, stream grpc.ServerStreamingServer[sluicev1.SubscribeResponse]) error {
	consumer := req.GetConsumer()
	ephemeral := consumer == ""
	if ephemeral {
		consumer = newConsumerName()
	}
	match, err := s.groupFilter(ctx, req.GetStream(), req.GetGroup(), start, req.GetFilter())
	if err != nil {
		return err
	}
	sub, err := s.store.SubscribeGroup(streams.GroupOptions{
		Stream:      req.GetStream(),
		Group:       req.GetGroup(),
		Consumer:    consumer,
		MaxInFlight: maxInFlight,
		Policy:      policy,
		Ephemeral:   ephemeral,
		Filter:      match,
	})
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	defer sub.Close()
	if err := stream.Send(&sluicev1.SubscribeResponse{Subscription: &sluicev1.Subscription{
		Stream: req.GetStream(), Group: req.GetGroup(), Consumer: consumer,
	}}); err != nil {
		return err
	}
	return s.deliverGroup(ctx, req, stream, sub, nil)
}

// groupSource is a group subscription: to a stream or to a topic. What
// Next returned must not be used after it went to Sent (its array is reused
// for a later read).
type groupSource interface {
	Next(ctx context.Context) ([]streams.Delivery, error)
	Sent(ctx context.Context, ds []streams.Delivery) error
}

// deliverGroup sends what sub delivers until it fails or ctx ends. After
// every Next it calls wake (if set) before sending: a topic subscription
// reports assignment changes there.
func (s *Server) deliverGroup(ctx context.Context, req *sluicev1.SubscribeRequest,
	stream grpc.ServerStreamingServer[sluicev1.SubscribeResponse], sub groupSource, wake func() error) error {
	format := req.GetPayloadFormat()
	group := req.GetGroup()
	type counters struct{ delivered, redelivered prometheus.Counter }
	byStream := make(map[string]counters)
	countersOf := func(stream string) counters {
		c, ok := byStream[stream]
		if !ok {
			ms, mg := s.metrics.Group(stream, group)
			c = counters{s.metrics.Delivered.WithLabelValues(ms, mg), s.metrics.Redelivered.WithLabelValues(ms, mg)}
			byStream[stream] = c
		}
		return c
	}
	for {
		ds, err := sub.Next(ctx)
		if err != nil {
			return toStatus(ctx, s.log, err)
		}
		if wake != nil {
			if err := wake(); err != nil {
				return err
			}
		}
		if len(ds) == 0 {
			continue
		}
		b := getBatch(len(ds))
		for i := range ds {
			d := &ds[i]
			m := s.message(b, i, &d.Entry, format)
			m.AckId = encodeAckID(s.ackKey, d.Stream, group, d.ID, d.Attempt, d.NackDelay, d.Fence)
			m.DeliveryAttempt = int32(min(d.Attempt, math.MaxInt32))
			m.Stream = d.Stream
			m.Partition = int32(d.Partition)
		}
		msgs := b.list
		// Delivered when handed to the stream: the client may have handled
		// them before Send returns, and a wait span must end before the
		// processing span that follows it.
		now := time.Now()
		if err := sendChunked(stream, msgs); err != nil {
			return err
		}
		for i := range ds {
			c := countersOf(ds[i].Stream)
			if ds[i].Attempt > 1 {
				c.redelivered.Inc()
			} else {
				s.metrics.EndToEnd.Observe(now.Sub(ds[i].ID.Time()).Seconds())
			}
			c.delivered.Inc()
			tracing.StreamWait(ds[i].Stream, group, msgs[i].GetId(), ds[i].ID.Time(), now, ds[i].Attempt, ds[i].Event.Headers)
		}
		putBatch(b)
		if err := sub.Sent(ctx, ds); err != nil && ctx.Err() == nil {
			// Only the deadline of a slow send was not pushed back: the
			// messages may be redelivered early, never lost.
			s.log.WarnContext(ctx, "could not restart ack deadlines after a slow send", "err", err)
		}
	}
}

func (s *Server) read(ctx context.Context, req *sluicev1.SubscribeRequest, start string, count int,
	match func(*streams.Entry) bool, stream grpc.ServerStreamingServer[sluicev1.SubscribeResponse]) error {
	var after streams.ID
	if start == streams.Newest {
		id, err := s.store.LastID(ctx, req.GetStream())
		if err != nil {
			return toStatus(ctx, s.log, err)
		}
		after = id
	} else {
		after, _ = streams.ParseID(start) // startPosition returned a valid ID
	}
	if err := stream.Send(&sluicev1.SubscribeResponse{Subscription: &sluicev1.Subscription{Stream: req.GetStream()}}); err != nil {
		return err
	}
	format := req.GetPayloadFormat()
	err := s.store.Read(ctx, req.GetStream(), after, min(count, 500), func(entries []streams.Entry) error {
		b := getBatch(len(entries))
		defer putBatch(b)
		n := 0
		for i := range entries {
			if match == nil || match(&entries[i]) {
				s.message(b, n, &entries[i], format).Stream = req.GetStream()
				n++
			}
		}
		return sendChunked(stream, b.list[:n])
	})
	return toStatus(ctx, s.log, err)
}

// sendChunked sends msgs in responses of at most about maxResponseBytes.
func sendChunked(stream grpc.ServerStreamingServer[sluicev1.SubscribeResponse], msgs []*sluicev1.Message) error {
	for len(msgs) > 0 {
		n, size := 0, 0
		for n < len(msgs) {
			size += msgs[n].SizeVT()
			if n > 0 && size > maxResponseBytes {
				break
			}
			n++
		}
		if err := stream.Send(&sluicev1.SubscribeResponse{Messages: msgs[:n]}); err != nil {
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}

func newConsumerName() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "sluice-" + hex.EncodeToString(b[:])
}

func timestamp(id streams.ID) *timestamppb.Timestamp {
	ts := new(timestamppb.Timestamp)
	setTime(ts, id)
	return ts
}

// setTime sets ts to the time of entry id.
func setTime(ts *timestamppb.Timestamp, id streams.ID) {
	ms := int64(min(id.Ms, math.MaxInt64))
	ts.Seconds, ts.Nanos = ms/1000, int32(ms%1000)*1e6
}
