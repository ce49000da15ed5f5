package streams

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// serverInfo is what Sluice knows of the Redis it talks to.
type serverInfo struct {
	// isRedis is set when INFO reports a redis_version (Redis or Valkey).
	// The embedded miniredis reports none, and needs the compensations that
	// check this.
	isRedis bool
	version string
}

// server returns what INFO says of the server, asking once it answers.
// Until then it assumes a real Redis.
func (s *Store) server(ctx context.Context) serverInfo {
	s.infoMu.Lock()
	defer s.infoMu.Unlock()
	if s.info != nil {
		return *s.info
	}
	text, err := s.rdb.Info(ctx, "server").Result()
	var reply redis.Error
	switch {
	case errors.As(err, &reply):
		// It answered, but not as Redis does (miniredis has no such section).
		text = ""
	case err != nil:
		return serverInfo{isRedis: true} // ask again next time
	}
	info := &serverInfo{}
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			info.isRedis, info.version = true, v
		}
	}
	s.info = info
	return *info
}

// atLeast reports whether the server is Redis (or Valkey) major.minor or
// newer; unknown versions are not.
func (s *Store) atLeast(ctx context.Context, major, minor int) bool {
	v := s.server(ctx).version
	var ma, mi int
	if _, err := fmt.Sscanf(v, "%d.%d", &ma, &mi); err != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
