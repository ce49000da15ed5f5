package testredis

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sluice-io/sluice/internal/testkit"
)

// Sentinel is a primary, a replica and three Sentinels on loopback.
type Sentinel struct {
	// URL is redis+sentinel://127.0.0.1:S1,.../MasterName
	URL        string
	MasterName string
	Primary    *Server
	Replica    *Server
	Sentinels  []*Server
}

// StartSentinel starts the set-up and waits until every Sentinel knows the
// primary and its replica. Failover is fast: a primary is down after 1 s.
func StartSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	s := &Sentinel{MasterName: "sluice-test"}
	// No delay before the initial sync (Redis waits 5 s by default).
	s.Primary = StartWithArgs(tb, "--repl-diskless-sync-delay", "0")
	_, port, _ := strings.Cut(s.Primary.Addr, ":")
	s.Replica = StartWithArgs(tb, "--replicaof", "127.0.0.1", port, "--repl-diskless-sync-delay", "0")
	var addrs []string
	for i := 0; i < 3; i++ {
		dir := tb.TempDir()
		conf := filepath.Join(dir, "sentinel.conf")
		body := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %s 2\nsentinel down-after-milliseconds %s 1000\n"+
			"sentinel failover-timeout %s 5000\nsentinel parallel-syncs %s 1\n",
			s.MasterName, port, s.MasterName, s.MasterName, s.MasterName)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			tb.Fatal(err)
		}
		sen := startProcess(tb, append([]string{conf, "--sentinel"}, "--dir", dir))
		s.Sentinels = append(s.Sentinels, sen)
		addrs = append(addrs, sen.Addr)
	}
	s.URL = "redis+sentinel://" + strings.Join(addrs, ",") + "/" + s.MasterName
	ctx := context.Background()
	testkit.Eventually(tb, func() error {
		info, err := s.Replica.Client.Info(ctx, "replication").Result()
		if err != nil || !strings.Contains(info, "master_link_status:up") {
			return fmt.Errorf("the replica did not sync: %v %s", err, info)
		}
		return nil
	})
	for _, sen := range s.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: sen.Addr})
		testkit.Eventually(tb, func() error {
			replicas, err := sc.Replicas(ctx, s.MasterName).Result()
			if err != nil || len(replicas) != 1 {
				return fmt.Errorf("sentinel %s does not see the replica: %v %v", sen.Addr, replicas, err)
			}
			return nil
		})
		sc.Close()
	}
	return s
}

// MasterAddr asks a Sentinel which node is the primary now.
func (s *Sentinel) MasterAddr(ctx context.Context) (string, error) {
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinels[0].Addr})
	defer sc.Close()
	a, err := sc.GetMasterAddrByName(ctx, s.MasterName).Result()
	if err != nil {
		return "", err
	}
	return a[0] + ":" + a[1], nil
}

// startProcess runs redis-server with a config file first (Sentinel needs
// one) on a free port, like StartWithArgs.
func startProcess(tb testing.TB, args []string) *Server {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatalf("redis-server not found: %v", err)
	}
	port := testkit.FreePort(tb)
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), log: new(syncBuffer),
		args: append(append([]string{path}, args[0]), append(args[1:], "--port", fmt.Sprint(port), "--bind", "127.0.0.1")...)}
	s.URL = "redis://" + s.Addr
	if err := s.start(); err != nil {
		tb.Fatal(err)
	}
	if err := s.waitReady(); err != nil {
		s.stop()
		tb.Fatalf("sentinel did not start: %v", err)
	}
	s.Client = redis.NewClient(&redis.Options{Addr: s.Addr})
	tb.Cleanup(s.stop)
	return s
}
