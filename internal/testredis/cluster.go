package testredis

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sluice-io/sluice/internal/testkit"
)

// Cluster is a real Redis Cluster of masters on loopback, for one test.
type Cluster struct {
	// URL is redis+cluster://127.0.0.1:P1,127.0.0.1:P2,...
	URL    string
	Nodes  []*Server
	Client *redis.ClusterClient
}

// StartCluster runs n redis-server processes in cluster mode (no replicas,
// no persistence), joins them with `redis-cli --cluster create`, and waits
// until the cluster is ok. It stops them when tb ends.
func StartCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	return StartClusterWithArgs(tb, n)
}

// StartClusterWithArgs is StartCluster with extra redis-server arguments
// for every node (e.g. persistence). A node killed with Kill and started
// again with Restart rejoins with its data.
func StartClusterWithArgs(tb testing.TB, n int, extraArgs ...string) *Cluster {
	tb.Helper()
	c := &Cluster{}
	var addrs []string
	for i := 0; i < n; i++ {
		dir := tb.TempDir()
		node := StartWithArgs(tb, append([]string{"--cluster-enabled", "yes", "--cluster-config-file", dir + "/nodes.conf",
			"--cluster-port", strconv.Itoa(testkit.FreePort(tb)), "--cluster-node-timeout", "2000"}, extraArgs...)...)
		c.Nodes = append(c.Nodes, node)
		addrs = append(addrs, node.Addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		tb.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	ctx := context.Background()
	for _, node := range c.Nodes {
		testkit.Eventually(tb, func() error {
			info, err := node.Client.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				return fmt.Errorf("cluster not ok: %v %s", err, info)
			}
			return nil
		})
	}
	c.URL = "redis+cluster://" + strings.Join(addrs, ",")
	c.Client = redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	tb.Cleanup(func() { c.Client.Close() })
	return c
}

// SlotOwner is the address of the node that serves key.
func (c *Cluster) SlotOwner(ctx context.Context, key string) (string, error) {
	slot, err := c.Client.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return "", err
	}
	slots, err := c.Client.ClusterSlots(ctx).Result()
	if err != nil {
		return "", err
	}
	for _, s := range slots {
		if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
			return s.Nodes[0].Addr, nil
		}
	}
	return "", fmt.Errorf("no node for slot %d", slot)
}
