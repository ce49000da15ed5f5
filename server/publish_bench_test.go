package server_test

import (
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// BenchmarkPublish measures the publish path (client stub, gRPC, handler,
// Redis) against the same XADDs sent with go-redis, on one real
// redis-server, in ns and allocations per event:
//
//	go test -run '^$' -bench Publish -benchmem ./server
//
// Allocations count this process: the gRPC client and server both live in
// it, as in `sluice bench`.
func BenchmarkPublish(b *testing.B) {
	r := testredis.Start(b)
	s := testserver.Start(b, r.URL, daemon.Config{})
	payload := make([]byte, 256)
	for _, batch := range []int{1, 100} {
		events := make([]*sluicev1.Event, batch)
		for i := range events {
			events[i] = &sluicev1.Event{Type: "bench.v1.E", ContentType: "application/octet-stream",
				Data: &sluicev1.Event_Payload{Payload: payload}}
		}
		req := &sluicev1.PublishRequest{Stream: fmt.Sprintf("bench-%d", batch), Events: events}
		b.Run(fmt.Sprintf("sluice/batch=%d", batch), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Pub.Publish(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
			perEvent(b, batch)
		})
		b.Run(fmt.Sprintf("go-redis/batch=%d", batch), func(b *testing.B) {
			stream := req.Stream + "-raw"
			for b.Loop() {
				_, err := r.Client.Pipelined(b.Context(), func(p redis.Pipeliner) error {
					for range batch {
						p.XAdd(b.Context(), &redis.XAddArgs{Stream: stream, Values: []any{"type", "bench.v1.E",
							"content_type", "application/octet-stream", "payload", payload}})
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			perEvent(b, batch)
		})
		r.Client.Del(b.Context(), req.Stream, req.Stream+"-raw")
	}
}

// perEvent reports time per event next to Go's per-call figures.
func perEvent(b *testing.B, batch int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/event")
}
