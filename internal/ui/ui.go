// Package ui serves sluiced's built-in, read-only web page: streams, groups,
// lag, pending and dead letters at a glance, refreshed every two seconds.
// It shows names and counts, never payloads.
package ui

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"
	"time"

	"github.com/sluice-io/sluice/streams"
)

//go:embed index.html
var page []byte

// Overview is what /api/overview returns.
type Overview struct {
	Streams []Stream `json:"streams"`
}

// Stream is one stream in the overview.
type Stream struct {
	Name        string  `json:"name"`
	Length      int64   `json:"length"`
	DeadLetters int64   `json:"dead_letters"`
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
		s := Stream{Name: info.Name, Length: info.Length, DeadLetters: info.DeadLetters, Groups: []Group{}}
		for _, g := range info.Groups {
			s.Groups = append(s.Groups, Group{Name: g.Name, Lag: max(g.Lag, 0), LagKnown: g.Lag >= 0, Pending: g.Pending,
				OldestPending: g.OldestPending.Seconds(), Consumers: len(g.Consumers)})
		}
		ov.Streams = append(ov.Streams, s)
	}
	return ov, nil
}
