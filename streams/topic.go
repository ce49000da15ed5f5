package streams

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"sync"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
)

// A partitioned topic is a name and a partition count, kept in one Redis
// hash so that every replica routes keys the same way. Partition n is the
// ordinary stream "<topic>.p<n>": everything that works on a stream (groups,
// acks, dead letters, idempotency keys, retention) works on a partition.

const (
	// MaxPartitions bounds a topic's partition count.
	MaxPartitions = 256
	// MaxTopicName leaves room for the partition suffix within a stream name.
	MaxTopicName = 190
)

var (
	// ErrNoTopic is returned for a topic that was never created.
	ErrNoTopic = errors.New("streams: no such topic")
	// ErrTopicExists is returned when creating a topic that exists with
	// another partition count.
	ErrTopicExists = errors.New("streams: topic exists with another partition count")
)

// PartitionStream is the stream that holds partition p of topic.
func PartitionStream(topic string, p int) string {
	return topic + ".p" + strconv.Itoa(p)
}

// PartitionOf is the partition of an event with this key, or -1 for an
// empty key. It is FNV-1a, stable across versions and replicas: changing it
// would break per-key order.
func PartitionOf(key string, partitions int) int {
	if key == "" {
		return -1
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(partitions))
}

// CreateTopic records a topic with its partition count. created is false
// when it existed already with the same count; another count is
// ErrTopicExists.
func (s *Store) CreateTopic(ctx context.Context, topic string, partitions int) (created bool, err error) {
	if partitions < 1 || partitions > MaxPartitions {
		return false, fmt.Errorf("streams: partitions must be in 1..%d", MaxPartitions)
	}
	ok, err := s.rdb.HSetNX(ctx, topicsKey, topic, partitions).Result()
	if err != nil {
		return false, classify(err)
	}
	if ok {
		s.topics.Store(topic, partitions)
		return true, nil
	}
	n, err := s.TopicPartitions(ctx, topic)
	if err != nil {
		return false, err
	}
	if n != partitions {
		return false, fmt.Errorf("%w: %q has %d partitions", ErrTopicExists, topic, n)
	}
	return false, nil
}

// TopicPartitions returns a topic's partition count, or ErrNoTopic. A count
// once seen is cached: it never changes.
func (s *Store) TopicPartitions(ctx context.Context, topic string) (int, error) {
	if n, ok := s.topics.Load(topic); ok {
		return n.(int), nil
	}
	v, err := s.rdb.HGet(ctx, topicsKey, topic).Result()
	if errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("%w: %q", ErrNoTopic, topic)
	}
	if err != nil {
		return 0, classify(err)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxPartitions {
		return 0, fmt.Errorf("streams: topic %q has a bad partition count %q in %s", topic, v, topicsKey)
	}
	s.topics.Store(topic, n)
	return n, nil
}

// Topics returns every topic and its partition count.
func (s *Store) Topics(ctx context.Context) (map[string]int, error) {
	m, err := s.rdb.HGetAll(ctx, topicsKey).Result()
	if err != nil {
		return nil, classify(err)
	}
	out := make(map[string]int, len(m))
	for name, v := range m {
		if n, err := strconv.Atoi(v); err == nil {
			out[name] = n
		}
	}
	return out, nil
}

// PublishTopic publishes events to a topic of n partitions: each event to
// the partition of its key, else of its idempotency key, else (all such
// events of the call together) to the next partition in turn. It returns the
// IDs and partitions in event order. Each partition's events are one
// Publish (or PublishDurable when d is not nil), run concurrently; replicas
// is the fewest any partition had confirmed. On error some partitions may
// have been written.
func (s *Store) PublishTopic(ctx context.Context, topic string, n int, events []Event, d *Durability) (ids []string, parts []int, replicas int, err error) {
	parts = make([]int, len(events))
	rr := -1
	byPart := make(map[int][]int) // partition -> event indexes, in order
	for i := range events {
		p := PartitionOf(events[i].Key, n)
		if p < 0 {
			p = PartitionOf(events[i].IdempotencyKey, n)
		}
		if p < 0 {
			if rr < 0 {
				rr = int(s.roundRobin.Add(1) % uint64(n))
			}
			p = rr
		}
		parts[i] = p
		byPart[p] = append(byPart[p], i)
	}
	ids = make([]string, len(events))
	replicas = -1
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for p, idx := range byPart {
		g.Go(func() error {
			batch := make([]Event, len(idx))
			for j, i := range idx {
				batch[j] = events[i]
			}
			stream := PartitionStream(topic, p)
			var got []string
			r := 0
			var err error
			if d != nil {
				got, r, err = s.PublishDurable(gctx, stream, batch, *d)
			} else {
				got, err = s.Publish(gctx, stream, batch)
			}
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for j, i := range idx {
				ids[i] = got[j]
			}
			if replicas < 0 || r < replicas {
				replicas = r
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, 0, err
	}
	return ids, parts, max(replicas, 0), nil
}

// TopicGroup is how a group shares a topic's partitions right now.
type TopicGroup struct {
	Name    string
	Members []string // live subscriptions, sorted
	Owners  []string // Owners[p] holds partition p; "" if none
}

// TopicInfo describes a topic.
type TopicInfo struct {
	Name       string
	Partitions []*StreamInfo // Partitions[p]; only Name is set for a missing stream
	Groups     []TopicGroup
}

// DescribeTopic reports a topic's partitions and, for every group of its
// partitions, the live subscriptions and partition owners.
func (s *Store) DescribeTopic(ctx context.Context, topic string) (*TopicInfo, error) {
	n, err := s.TopicPartitions(ctx, topic)
	if err != nil {
		return nil, err
	}
	info := &TopicInfo{Name: topic, Partitions: make([]*StreamInfo, n)}
	groups := make(map[string]bool)
	for p := range n {
		name := PartitionStream(topic, p)
		si, err := s.Describe(ctx, name)
		if errors.Is(err, ErrNoStream) {
			si, err = &StreamInfo{Name: name}, nil
		}
		if err != nil {
			return nil, err
		}
		info.Partitions[p] = si
		for _, g := range si.Groups {
			groups[g.Name] = true
		}
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		tg, err := s.topicGroup(ctx, topic, g, n)
		if err != nil {
			return nil, err
		}
		if len(tg.Members) > 0 {
			info.Groups = append(info.Groups, tg)
		}
	}
	return info, nil
}

func (s *Store) topicGroup(ctx context.Context, topic, group string, n int) (TopicGroup, error) {
	tg := TopicGroup{Name: group, Owners: make([]string, n)}
	res, err := assignmentScript.Run(ctx, s.rdb, []string{membersKey(topic, group), ownersKey(topic, group)}).Slice()
	if err != nil {
		return tg, classify(err)
	}
	if len(res) != 2 {
		return tg, fmt.Errorf("streams: unexpected assignment reply %v", res)
	}
	members, _ := res[0].([]any)
	for _, m := range members {
		if m, ok := m.(string); ok {
			tg.Members = append(tg.Members, m)
		}
	}
	slices.Sort(tg.Members)
	owners, _ := res[1].([]any)
	for i := 0; i+1 < len(owners); i += 2 {
		ps, _ := owners[i].(string)
		who, _ := owners[i+1].(string)
		if p, err := strconv.Atoi(ps); err == nil && p >= 0 && p < n {
			tg.Owners[p] = who
		}
	}
	return tg, nil
}
