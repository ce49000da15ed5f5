package streams_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/streams"
)

// Creators racing with different filters: one creates the group, and every
// other sees the winner's filter, never a group without one.
func TestCreateGroupFilterRace(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		s := newStore(t, b.Start(t))
		for round := range 20 {
			stream := fmt.Sprintf("race-%d", round)
			type result struct {
				created bool
				filter  string
			}
			results := make([]result, 4)
			var wg sync.WaitGroup
			for i := range results {
				wg.Go(func() {
					created, f, err := s.CreateGroup(t.Context(), stream, "g", streams.Earliest, fmt.Sprintf(`key == "%d"`, i))
					if err != nil {
						t.Error(err)
					}
					results[i] = result{created, f}
				})
			}
			wg.Wait()
			var winner string
			for i, r := range results {
				if r.created {
					if winner != "" {
						t.Fatalf("round %d: two creators", round)
					}
					winner = fmt.Sprintf(`key == "%d"`, i)
				}
			}
			for i, r := range results {
				if r.filter != winner {
					t.Fatalf("round %d: creator %d saw filter %q; the group has %q", round, i, r.filter, winner)
				}
			}
			info, err := s.Describe(t.Context(), stream)
			if err != nil || len(info.Groups) != 1 || info.Groups[0].Filter != winner {
				t.Fatalf("round %d: Describe %+v %v", round, info, err)
			}
		}
	})
}
