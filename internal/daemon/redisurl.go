package daemon

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// errUnix: UniversalOptions cannot describe a unix socket; ClientsWithCA
// handles unix:// URLs with redis.ParseURL directly.
var errUnix = errors.New("unix socket")

// ParseRedisURL reads --redis-url:
//
//	redis://[user:password@]host:port[/db]      one Redis (rediss:// for TLS; unix:///path works too)
//	redis+cluster://[user:password@]host:port[,host:port...]
//	                                           Redis Cluster, from seed nodes (rediss+cluster://)
//	redis+sentinel://[user:password@]host:port[,host:port...]/master[/db][?sentinel_password=...]
//	                                           the master that Sentinel names (rediss+sentinel://)
//
// The user and password are Redis's (an ACL user); sentinel_password is for
// Sentinels that require one.
func ParseRedisURL(s string) (*redis.UniversalOptions, error) {
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
