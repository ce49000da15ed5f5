package bench

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
)

// benchFilter is a simple filter that every bench message matches, so the
// runs with and without it deliver the same messages: the difference is
// the filter's evaluation.
const benchFilter = `type.startsWith("bench.") && content_type == "application/octet-stream"`

// filterScenario measures consume+ack with and without a group filter,
// alternating (without, with, without, with) after a warm-up, against
// go-redis's XREADGROUP+XACK in the same run.
func filterScenario(ctx context.Context, cfg Config, conn grpc.ClientConnInterface, rdb *redis.Client, payload []byte, add func(Result)) error {
	warm := cfg
	warm.Messages = max(cfg.Messages/10, 1)
	if _, err := consumeFiltered(ctx, warm, conn, rdb, payload, benchFilter); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	raw, err := consumeRaw(ctx, cfg, rdb, payload)
	if err != nil {
		return err
	}
	var plain, filtered consumeResult
	for range 2 {
		for _, f := range []string{"", benchFilter} {
			r, err := consumeFiltered(ctx, cfg, conn, rdb, payload, f)
			if err != nil {
				return err
			}
			sum := &plain
			if f != "" {
				sum = &filtered
			}
			sum.rate += r.rate / 2
			sum.cpu.proc += r.cpu.proc / 2
		}
	}
	add(Result{Scenario: fmt.Sprintf("filter: consume+ack without a filter, %d subscribers", cfg.Subscribers), Unit: "msgs/s",
		Sluice: plain.rate, Redis: raw.rate})
	pass := filtered.rate >= 0.9*plain.rate
	add(Result{Scenario: fmt.Sprintf("filter: consume+ack with a filter, %d subscribers", cfg.Subscribers), Unit: "msgs/s",
		Sluice: filtered.rate, Redis: raw.rate, Target: ">= 90% of without", Pass: &pass,
		Note: fmt.Sprintf("%s; %.0f%% of without; CPU of this process per msg %.2f against %.2f µs",
			benchFilter, 100*filtered.rate/plain.rate, filtered.cpu.proc, plain.cpu.proc)})
	return nil
}
