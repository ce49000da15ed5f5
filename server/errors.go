package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-io/sluice/streams"
)

// toStatus is the one place that maps errors to gRPC status codes. Redis's
// own error text never reaches clients: unexpected errors are logged and
// returned as a generic Internal.
func toStatus(ctx context.Context, log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "request canceled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	case errors.Is(err, streams.ErrClosed):
		return status.Error(codes.Unavailable, "server is shutting down; reconnect (unacked messages stay pending)")
	case errors.Is(err, streams.ErrUnavailable):
		log.WarnContext(ctx, "redis unavailable", "err", err)
		return status.Error(codes.Unavailable, "redis is unavailable; retry with backoff")
	case errors.Is(err, streams.ErrGroupDeleted):
		return status.Error(codes.NotFound, "the consumer group or its stream was deleted; subscribe again to recreate it")
	case errors.Is(err, streams.ErrDurability):
		return status.Error(codes.Unavailable, err.Error()+"; the events may be stored: retry with the same idempotency keys")
	case errors.Is(err, streams.ErrUnsupported):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, streams.ErrNoStream):
		return status.Error(codes.NotFound, "no such stream")
	case errors.Is(err, streams.ErrNoSchedule):
		return status.Error(codes.NotFound, "no such scheduled event on the stream: it was delivered, cancelled or never scheduled")
	case errors.Is(err, streams.ErrNoTopic):
		return status.Error(codes.NotFound, err.Error()[len("streams: "):]+"; create it first (AdminService.CreateTopic, `sluice topic create`)")
	case errors.Is(err, streams.ErrTopicExists):
		return status.Error(codes.AlreadyExists, err.Error()[len("streams: "):]+"; a partition count cannot change: create a new topic")
	case errors.Is(err, streams.ErrWrongType):
		return status.Error(codes.FailedPrecondition, "the key exists in Redis and is not a stream; pick another stream name")
	}
	log.ErrorContext(ctx, "internal error", "err", err)
	return status.Error(codes.Internal, "internal error")
}

// invalid builds an InvalidArgument status naming the offending field, with
// a BadRequest detail that clients can read field by field.
func invalid(field, format string, args ...any) error {
	desc := fmt.Sprintf(format, args...)
	st := status.New(codes.InvalidArgument, field+": "+desc)
	if d, err := st.WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: desc}},
	}); err == nil {
		st = d
	}
	return st.Err()
}
