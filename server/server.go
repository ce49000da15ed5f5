// Package server implements Sluice's gRPC services on top of package streams:
// it validates requests, converts between Protobuf messages and stream
// entries, and maps errors to status codes.
//
// Subscribe reuses the messages of a response for a later response once
// Send has returned (they are encoded by then). grpc-go allows stats
// handlers and interceptors to look at a sent message later; those that
// sluiced installs (otelgrpc, go-grpc-middleware's, its own) do not, and a
// program that registers these services on its own grpc.Server must not
// install one that does.
package server

import (
	"errors"
	"log/slog"
	"time"

	"google.golang.org/grpc"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/metrics"
	"github.com/sluice-io/sluice/schema"
	"github.com/sluice-io/sluice/streams"
)

// Defaults for the limits set by options.
const (
	DefaultMaxPayloadBytes = 1 << 20
	DefaultMaxBatch        = 1000
	DefaultMaxInFlight     = 1000
	// MaxInFlightLimit is the largest max_in_flight a subscription may ask.
	MaxInFlightLimit = 100000
	// maxAckIDs bounds one Ack request.
	maxAckIDs = 10000
	// maxResponseBytes keeps a Subscribe response well under the 4 MiB
	// default receive limit of gRPC clients.
	maxResponseBytes = 1 << 20
)

// Server implements sluice.v1.PublisherService, SubscriberService,
// DeadLetterService and AdminService. It is
// safe for concurrent use. It does not own the Store: close the Store to end
// every Subscribe stream (the handlers then return Unavailable).
type Server struct {
	sluicev1.UnimplementedPublisherServiceServer
	sluicev1.UnimplementedSubscriberServiceServer
	sluicev1.UnimplementedDeadLetterServiceServer
	sluicev1.UnimplementedAdminServiceServer

	store           *streams.Store
	authz           Authorizer
	ackKey          []byte
	schemas         *schema.Registry
	log             *slog.Logger
	maxPayloadBytes int
	maxBatch        int
	horizon         time.Duration
	metrics         *metrics.Metrics
}

// Option configures a Server.
type Option func(*Server) error

// WithLogger sets the logger. Default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) error {
		if l == nil {
			return errors.New("server: nil logger")
		}
		s.log = l
		return nil
	}
}

// WithAuthorizer sets who may do what. Default: everyone everything.
func WithAuthorizer(a Authorizer) Option {
	return func(s *Server) error {
		if a == nil {
			return errors.New("server: nil authorizer")
		}
		s.authz = a
		return nil
	}
}

// WithAckKey makes ack IDs signed (HMAC-SHA256) with key, so a caller cannot
// forge or alter one; every replica must use the same key. Default: no
// key, unsigned ack IDs.
func WithAckKey(key []byte) Option {
	return func(s *Server) error {
		if len(key) < 16 {
			return errors.New("server: the ack key needs at least 16 bytes")
		}
		s.ackKey = key
		return nil
	}
}

// WithMetrics sets the metrics the server counts in. Default: metrics of
// its own, registered nowhere.
func WithMetrics(m *metrics.Metrics) Option {
	return func(s *Server) error {
		if m == nil {
			return errors.New("server: nil metrics")
		}
		s.metrics = m
		return nil
	}
}

// WithSchemas sets the known event types. Default none: payloads are opaque.
func WithSchemas(r *schema.Registry) Option {
	return func(s *Server) error { s.schemas = r; return nil }
}

// WithMaxPayloadBytes limits one event's payload. Default 1 MiB.
func WithMaxPayloadBytes(n int) Option {
	return func(s *Server) error {
		if n <= 0 || n > 64<<20 {
			return errors.New("server: max payload bytes must be in 1..64 MiB")
		}
		s.maxPayloadBytes = n
		return nil
	}
}

// WithMaxBatch limits the events of one Publish. Default 1000.
func WithMaxBatch(n int) Option {
	return func(s *Server) error {
		if n <= 0 || n > 100000 {
			return errors.New("server: max batch must be in 1..100000")
		}
		s.maxBatch = n
		return nil
	}
}

// DefaultScheduleHorizon is how far ahead an event may be scheduled by
// default.
const DefaultScheduleHorizon = 400 * 24 * time.Hour

// WithScheduleHorizon limits how far ahead deliver_at and deliver_after may
// schedule an event. Default 400 days.
func WithScheduleHorizon(d time.Duration) Option {
	return func(s *Server) error {
		if d < time.Second {
			return errors.New("server: the schedule horizon must be at least 1s")
		}
		s.horizon = d
		return nil
	}
}

// New returns a Server over store.
func New(store *streams.Store, opts ...Option) (*Server, error) {
	if store == nil {
		return nil, errors.New("server: nil store")
	}
	s := &Server{
		store:           store,
		authz:           allowAll{},
		log:             slog.Default(),
		maxPayloadBytes: DefaultMaxPayloadBytes,
		maxBatch:        DefaultMaxBatch,
		horizon:         DefaultScheduleHorizon,
	}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if s.metrics == nil {
		s.metrics = metrics.New(nil, 0)
	}
	return s, nil
}

// Register adds the Sluice services to g.
func (s *Server) Register(g grpc.ServiceRegistrar) {
	sluicev1.RegisterPublisherServiceServer(g, s)
	sluicev1.RegisterSubscriberServiceServer(g, s)
	sluicev1.RegisterDeadLetterServiceServer(g, s)
	sluicev1.RegisterAdminServiceServer(g, s)
}
