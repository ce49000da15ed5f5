// Package redisconn turns sluiced's --redis-url into go-redis clients: one
// Redis, a Cluster, or the primary that Sentinel names, with TLS and an ACL
// user.
package redisconn

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/sluice-io/sluice/internal/auth"
)

// errUnix: UniversalOptions cannot describe a unix socket; Open handles
// unix:// URLs with redis.ParseURL directly.
var errUnix = errors.New("unix socket")

// ParseURL reads --redis-url:
//
//	redis://[user:password@]host:port[/db]      one Redis (rediss:// for TLS; unix:///path works too)
//	redis+cluster://[user:password@]host:port[,host:port...]
//	                                           Redis Cluster, from seed nodes (rediss+cluster://)
//	redis+sentinel://[user:password@]host:port[,host:port...]/master[/db][?sentinel_password=...]
//	                                           the master that Sentinel names (rediss+sentinel://)
//
// The user and password are Redis's (an ACL user); sentinel_password is for
// Sentinels that require one.
func ParseURL(s string) (*redis.UniversalOptions, error) {
	if strings.HasPrefix(s, "unix://") {
		return nil, errUnix
	}
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return nil, errors.New("not a URL: use redis://host:port, redis+cluster://... or redis+sentinel://...")
	}
	switch scheme {
	case "redis", "rediss", "unix":
		o, err := redis.ParseURL(s)
		if err != nil {
			return nil, err
		}
		if o.Network == "unix" {
			return nil, errUnix
		}
		return &redis.UniversalOptions{Addrs: []string{o.Addr}, Username: o.Username, Password: o.Password,
			DB: o.DB, TLSConfig: o.TLSConfig}, nil
	case "redis+cluster", "rediss+cluster", "redis+sentinel", "rediss+sentinel":
	default:
		return nil, fmt.Errorf("unknown scheme %q: use redis, rediss, unix, redis+cluster, redis+sentinel (or the rediss+ forms)", scheme)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	o := &redis.UniversalOptions{Addrs: strings.Split(u.Host, ",")}
	for _, a := range o.Addrs {
		if _, port, ok := strings.Cut(a, ":"); !ok || port == "" {
			return nil, fmt.Errorf("address %q needs host:port", a)
		}
	}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	if strings.HasPrefix(scheme, "rediss") {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if strings.HasSuffix(scheme, "+cluster") {
		if u.Path != "" && u.Path != "/" {
			return nil, errors.New("a cluster URL has no path: Redis Cluster has only database 0")
		}
		o.IsClusterMode = true
		return o, nil
	}
	if parts[0] == "" {
		return nil, errors.New("a sentinel URL needs the master's name as its path: redis+sentinel://host:26379/mymaster")
	}
	o.MasterName = parts[0]
	if len(parts) > 1 {
		if o.DB, err = strconv.Atoi(parts[1]); err != nil {
			return nil, fmt.Errorf("database %q is not a number", parts[1])
		}
	}
	o.SentinelPassword = u.Query().Get("sentinel_password")
	return o, nil
}

// Open builds the two clients a streams.Store needs from one URL: one for
// commands, and one for blocking reads (a pool as large as the streams and
// groups served, and no retries: a retried XREADGROUP would leave its first
// batch pending, unseen). caFile, if set, is a PEM file of CAs to trust for
// rediss:// URLs. Errors never contain the URL's password.
func Open(url, caFile string) (cmd, read redis.UniversalClient, err error) {
	o, err := ParseURL(url)
	if errors.Is(err, errUnix) {
		so, err := redis.ParseURL(url)
		if err != nil {
			return nil, nil, fmt.Errorf("--redis-url: %v", err)
		}
		ro := *so
		ro.PoolSize, ro.MaxRetries = readPoolSize, -1
		return redis.NewClient(so), redis.NewClient(&ro), nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("--redis-url: %v", redact(err, url))
	}
	if caFile != "" {
		if o.TLSConfig == nil {
			return nil, nil, errors.New("--redis-ca needs a rediss:// URL")
		}
		pool, err := auth.ClientCAPool(caFile)
		if err != nil {
			return nil, nil, fmt.Errorf("--redis-ca: %w", err)
		}
		o.TLSConfig.RootCAs = pool
	}
	cmd = redis.NewUniversalClient(o)
	ro := *o
	ro.PoolSize, ro.MaxRetries = readPoolSize, -1
	return cmd, redis.NewUniversalClient(&ro), nil
}

// readPoolSize is the blocking client's pool: one connection per watched
// stream (per node in a cluster), opened on demand.
const readPoolSize = 10000

// redact is err's text without url's password.
func redact(err error, url string) string {
	msg := err.Error()
	if o, perr := ParseURL(url); perr == nil && o.Password != "" {
		msg = strings.ReplaceAll(msg, o.Password, "****")
	}
	return msg
}

// Describe says where url points, without credentials, for logs.
func Describe(url string) string {
	o, err := ParseURL(url)
	if errors.Is(err, errUnix) {
		return "unix socket"
	}
	if err != nil {
		return "?"
	}
	switch {
	case o.MasterName != "":
		return fmt.Sprintf("sentinel master %s via %s db %d", o.MasterName, strings.Join(o.Addrs, ","), o.DB)
	case o.IsClusterMode:
		return "cluster via " + strings.Join(o.Addrs, ",")
	}
	return fmt.Sprintf("%s db %d", o.Addrs[0], o.DB)
}
