package streams

import (
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
