package streams

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

var (
	// ErrClosed is returned once the Store is closed (the server is shutting
	// down). Subscribers should reconnect, possibly to another replica.
	ErrClosed = errors.New("streams: store closed")
	// ErrGroupDeleted ends a group subscription whose consumer group (or
	// whole stream) disappeared from Redis while it ran, e.g. XGROUP DESTROY
	// or a Redis restart without persistence. Subscribing again recreates it.
	ErrGroupDeleted = errors.New("streams: consumer group no longer exists")
	// ErrWrongType means the key exists but is not a stream.
	ErrWrongType = errors.New("streams: key holds a value that is not a stream")
	// ErrUnavailable wraps errors that mean Redis could not be reached.
	ErrUnavailable = errors.New("streams: redis unavailable")
)

// classify wraps a Redis error in the package's sentinels where one applies,
// so callers can use errors.Is without knowing go-redis.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, redis.ErrClosed):
		return ErrClosed
	case redis.HasErrorPrefix(err, "WRONGTYPE"):
		return fmt.Errorf("%w: %w", ErrWrongType, err)
	case redis.HasErrorPrefix(err, "NOGROUP"),
		// A blocked XREADGROUP whose stream was deleted.
		redis.HasErrorPrefix(err, "UNBLOCKED") && strings.Contains(err.Error(), "no longer exists"):
		return fmt.Errorf("%w: %w", ErrGroupDeleted, err)
	case redis.HasErrorPrefix(err, "LOADING"), redis.HasErrorPrefix(err, "MASTERDOWN"),
		redis.HasErrorPrefix(err, "TRYAGAIN"), redis.HasErrorPrefix(err, "CLUSTERDOWN"):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, redis.ErrPoolTimeout) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}
