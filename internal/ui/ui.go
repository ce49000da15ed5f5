// Package ui serves sluiced's built-in, read-only web page: streams, groups,
// lag, pending and dead letters, and which subscription holds which
// partition of each topic, at a glance, refreshed every two seconds.
// It shows names and counts, never payloads.
package ui

import (
	"context"
	_ "embed"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/sluice-io/sluice/streams"
)

//go:embed index.html
var page []byte

// Overview is what /api/overview returns.
type Overview struct {
	Streams []Stream `json:"streams"`
	Topics  []Topic  `json:"topics"`
}

// Topic is one partitioned topic in the overview: its partitions appear
// among the streams.
type Topic struct {
	Name       string       `json:"name"`
	Partitions int          `json:"partitions"`
	Groups     []TopicGroup `json:"groups"`
}

// TopicGroup is how a group shares a topic's partitions now.
type TopicGroup struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
	Owners  []string `json:"owners"` // per partition, "" when nobody holds it
}

// Stream is one stream in the overview.
type Stream struct {
	Name        string  `json:"name"`
	Length      int64   `json:"length"`
	DeadLetters int64   `json:"dead_letters"`
	Scheduled   int64   `json:"scheduled"`
	Groups      []Group `json:"groups"`
}

// Group is one consumer group in the overview.
type Group struct {
	Name          string  `json:"name"`
	Lag           int64   `json:"lag"`
	LagKnown      bool    `json:"lag_known"`
	Pending       int64   `json:"pending"`
	OldestPending float64 `json:"oldest_pending_seconds"`
	Consumers     int     `json:"consumers"`
}

// MaxStreams bounds the overview.
const MaxStreams = 200

// Register adds the page at / and its data at /api/overview to mux.
func Register(mux *http.ServeMux, store *streams.Store) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'")
		_, _ = w.Write(page)
	})
	mux.HandleFunc("GET /api/overview", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		ov, err := overview(ctx, store)
		if err != nil {
			http.Error(w, "redis unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(ov)
	})
}

func overview(ctx context.Context, store *streams.Store) (*Overview, error) {
	infos, err := store.DescribeAll(ctx, MaxStreams)
	if err != nil {
		return nil, err
	}
	ov := &Overview{Streams: []Stream{}}
	for _, info := range infos {
		s := Stream{Name: info.Name, Length: info.Length, DeadLetters: info.DeadLetters, Scheduled: info.Scheduled, Groups: []Group{}}
		for _, g := range info.Groups {
			s.Groups = append(s.Groups, Group{Name: g.Name, Lag: max(g.Lag, 0), LagKnown: g.Lag >= 0, Pending: g.Pending,
				OldestPending: g.OldestPending.Seconds(), Consumers: len(g.Consumers)})
		}
		ov.Streams = append(ov.Streams, s)
	}
	topics, err := store.Topics(ctx)
	if err != nil {
		return nil, err
	}
	ov.Topics = []Topic{}
	for _, name := range slices.Sorted(maps.Keys(topics)) {
		if len(ov.Topics) == MaxStreams {
			break
		}
		info, err := store.DescribeTopic(ctx, name)
		if err != nil {
			return nil, err
		}
		t := Topic{Name: name, Partitions: topics[name], Groups: []TopicGroup{}}
		for _, g := range info.Groups {
			t.Groups = append(t.Groups, TopicGroup{Name: g.Name, Members: g.Members, Owners: g.Owners})
		}
		ov.Topics = append(ov.Topics, t)
	}
	return ov, nil
}
