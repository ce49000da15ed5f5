package streams

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestReadBlockFitsReadTimeout(t *testing.T) {
	for _, c := range []struct {
		timeout, want time.Duration
	}{
		{0, maxReadBlock}, // go-redis's default, 3 s
		{-1, maxReadBlock},
		{100 * time.Millisecond, 50 * time.Millisecond},
		{time.Microsecond, time.Millisecond},
	} {
		rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ReadTimeout: c.timeout})
		if got := readBlockOf(rc); got != c.want {
			t.Errorf("read timeout %v: block %v, want %v", c.timeout, got, c.want)
		}
		rc.Close()
		cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ReadTimeout: c.timeout})
		if got := readBlockOf(cc); got != c.want {
			t.Errorf("cluster, read timeout %v: block %v, want %v", c.timeout, got, c.want)
		}
		cc.Close()
	}
}

// classify adds the package's sentinel and keeps the Redis error in the
// chain, so a caller can tell both.
func TestClassifyKeepsTheRedisError(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		in   error
		want error
	}{
		{refused, ErrUnavailable},
		{redis.ErrPoolTimeout, ErrUnavailable},
		{fmt.Errorf("wrapped: %w", redisError("NOGROUP No such key 's' or consumer group 'g'")), ErrGroupDeleted},
	} {
		got := classify(c.in)
		if !errors.Is(got, c.want) || !errors.Is(got, c.in) {
			t.Errorf("classify(%v) = %v: want errors.Is both %v and the original", c.in, got, c.want)
		}
	}
	var op *net.OpError
	if !errors.As(classify(refused), &op) {
		t.Error("the *net.OpError is not in the chain")
	}
}

type redisError string

func (e redisError) Error() string { return string(e) }
func (e redisError) RedisError()   {}
