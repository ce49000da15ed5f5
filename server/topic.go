package server

import (
	"context"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/streams"
)

// validateTopic checks a topic name: a stream name with room for the
// partition suffix.
func validateTopic(name string) error {
	if err := validateName("stream", name); err != nil {
		return invalid("topic", "%s", strings.Replace(err.Error(), "stream", "topic", 1))
	}
	if len(name) > streams.MaxTopicName {
		return invalid("topic", "topic name is %d bytes long; the limit is %d", len(name), streams.MaxTopicName)
	}
	return nil
}

// topic validates a topic name, looks up its partition count and checks
// perm on every partition stream: a topic's permissions are its partitions'
// (so acks, which name the partition stream, are allowed alike).
func (s *Server) topic(ctx context.Context, perm Permission, topic, group string) (int, error) {
	if err := validateTopic(topic); err != nil {
		return 0, err
	}
	// Partition 0 first, so a caller without access learns nothing about
	// which topics exist.
	if err := s.authz.Allow(ctx, perm, streams.PartitionStream(topic, 0), group); err != nil {
		return 0, err
	}
	n, err := s.store.TopicPartitions(ctx, topic)
	if err != nil {
		return 0, toStatus(ctx, s.log, err)
	}
	for p := range n {
		if err := s.authz.Allow(ctx, perm, streams.PartitionStream(topic, p), group); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func (s *Server) publishTopic(ctx context.Context, topic string, n int, events []streams.Event, dur *streams.Durability) (*sluicev1.PublishResponse, error) {
	start := time.Now()
	ids, parts, replicas, err := s.store.PublishTopic(ctx, topic, n, events, dur)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	s.metrics.PublishTime.Observe(time.Since(start).Seconds())
	resp := &sluicev1.PublishResponse{Ids: ids, Replicas: int32(replicas), Partitions: make([]int32, len(parts))}
	perPartition := make(map[int]int)
	for i, p := range parts {
		resp.Partitions[i] = int32(p)
		perPartition[p]++
	}
	splitScheduled(resp)
	for p, k := range perPartition {
		s.metrics.Published.WithLabelValues(s.metrics.Stream(streams.PartitionStream(topic, p))).Add(float64(k))
	}
	return resp, nil
}

// subscribeTopicGroup is subscribeGroup for a topic: the group's
// subscriptions share the partitions (streams.TopicSub).
func (s *Server) subscribeTopicGroup(ctx context.Context, req *sluicev1.SubscribeRequest, n int, start string, maxInFlight int,
	policy streams.Policy, stream grpc.ServerStreamingServer[sluicev1.SubscribeResponse]) error {
	consumer := req.GetConsumer()
	ephemeral := consumer == ""
	if ephemeral {
		consumer = newConsumerName()
	}
	sub, err := s.store.SubscribeTopic(streams.TopicOptions{
		Topic: req.GetTopic(), Partitions: n, Group: req.GetGroup(), Consumer: consumer, Start: start,
		MaxInFlight: maxInFlight, Policy: policy, Ephemeral: ephemeral,
	})
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	defer sub.Close()
	if err := stream.Send(&sluicev1.SubscribeResponse{Subscription: &sluicev1.Subscription{
		Topic: req.GetTopic(), Group: req.GetGroup(), Consumer: consumer, Partitions: int32(n),
	}}); err != nil {
		return err
	}
	var sent []int
	return s.deliverGroup(ctx, req, stream, sub, func() error {
		a := sub.Assignment()
		if sent != nil && slices.Equal(a, sent) {
			return nil
		}
		sent = a
		parts := make([]int32, len(a))
		for i, p := range a {
			parts[i] = int32(p)
		}
		return stream.Send(&sluicev1.SubscribeResponse{Assignment: &sluicev1.Assignment{Partitions: parts}})
	})
}

// readTopic is an independent reader of every partition of a topic: one
// reader per partition, merged (in order within each partition).
func (s *Server) readTopic(ctx context.Context, req *sluicev1.SubscribeRequest, n int, start string, count int,
	stream grpc.ServerStreamingServer[sluicev1.SubscribeResponse]) error {
	if err := stream.Send(&sluicev1.SubscribeResponse{Subscription: &sluicev1.Subscription{
		Topic: req.GetTopic(), Partitions: int32(n),
	}}); err != nil {
		return err
	}
	format := req.GetPayloadFormat()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []*sluicev1.Message)
	g, gctx := errgroup.WithContext(ctx)
	for p := range n {
		g.Go(func() error {
			name := streams.PartitionStream(req.GetTopic(), p)
			var after streams.ID
			if start == streams.Newest {
				id, err := s.store.LastID(gctx, name)
				if err != nil {
					return err
				}
				after = id
			} else {
				after, _ = streams.ParseID(start) // startPosition returned a valid ID
			}
			return s.store.Read(gctx, name, after, min(count, 500), func(entries []streams.Entry) error {
				b := newDeliveryBatch(len(entries))
				for i := range entries {
					m := s.message(b, i, &entries[i], format)
					m.Stream, m.Partition = name, int32(p)
				}
				select {
				case batches <- b.list:
					return nil
				case <-gctx.Done():
					return gctx.Err()
				}
			})
		})
	}
	readers := make(chan error, 1)
	go func() { readers <- g.Wait() }()
	// Only this goroutine sends. The readers end with ctx (cancelled on the
	// way out), or when one fails.
	for {
		select {
		case msgs := <-batches:
			if err := sendChunked(stream, msgs); err != nil {
				cancel()
				<-readers
				return err
			}
		case err := <-readers:
			return toStatus(ctx, s.log, err)
		}
	}
}

func topicGroupInfo(g streams.TopicGroup) *sluicev1.TopicGroupInfo {
	return &sluicev1.TopicGroupInfo{Name: g.Name, Members: g.Members, Owners: g.Owners}
}

// CreateTopic implements sluice.v1.AdminService.
func (s *Server) CreateTopic(ctx context.Context, req *sluicev1.CreateTopicRequest) (*sluicev1.CreateTopicResponse, error) {
	if err := validateTopic(req.GetTopic()); err != nil {
		return nil, err
	}
	n := int(req.GetPartitions())
	if n < 1 || n > streams.MaxPartitions {
		return nil, invalid("partitions", "%d is out of range: use 1..%d", n, streams.MaxPartitions)
	}
	for p := range n {
		if err := s.authz.Allow(ctx, PermAdmin, streams.PartitionStream(req.GetTopic(), p), ""); err != nil {
			return nil, err
		}
	}
	created, err := s.store.CreateTopic(ctx, req.GetTopic(), n)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	if created {
		s.log.InfoContext(ctx, "topic created", "topic", req.GetTopic(), "partitions", n)
	}
	return &sluicev1.CreateTopicResponse{Created: created}, nil
}

// ListTopics implements sluice.v1.AdminService.
func (s *Server) ListTopics(ctx context.Context, _ *sluicev1.ListTopicsRequest) (*sluicev1.ListTopicsResponse, error) {
	topics, err := s.store.Topics(ctx)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	res := &sluicev1.ListTopicsResponse{}
	for name, n := range topics {
		allowed := true
		for p := 0; p < n && allowed; p++ {
			allowed = s.authz.Allow(ctx, PermAdmin, streams.PartitionStream(name, p), "") == nil
		}
		if allowed {
			res.Topics = append(res.Topics, &sluicev1.Topic{Name: name, Partitions: int32(n)})
		}
	}
	slices.SortFunc(res.Topics, func(a, b *sluicev1.Topic) int { return strings.Compare(a.GetName(), b.GetName()) })
	return res, nil
}

// DescribeTopic implements sluice.v1.AdminService.
func (s *Server) DescribeTopic(ctx context.Context, req *sluicev1.DescribeTopicRequest) (*sluicev1.DescribeTopicResponse, error) {
	n, err := s.topic(ctx, PermAdmin, req.GetTopic(), "")
	if err != nil {
		return nil, err
	}
	info, err := s.store.DescribeTopic(ctx, req.GetTopic())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	res := &sluicev1.DescribeTopicResponse{Topic: &sluicev1.Topic{Name: info.Name, Partitions: int32(n)}}
	for _, p := range info.Partitions {
		res.Partitions = append(res.Partitions, streamInfo(p))
	}
	for _, g := range info.Groups {
		res.Groups = append(res.Groups, topicGroupInfo(g))
	}
	return res, nil
}
