package redisconn

import (
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url                 string
		addrs, master, user string
		db                  int
		cluster, tls        bool
	}{
		{url: "redis://127.0.0.1:6379/2", addrs: "127.0.0.1:6379", db: 2},
		{url: "rediss://u:p@127.0.0.1:6380", addrs: "127.0.0.1:6380", user: "u", tls: true},
		{url: "redis+cluster://127.0.0.1:7000,127.0.0.1:7001", addrs: "127.0.0.1:7000,127.0.0.1:7001", cluster: true},
		{url: "redis+cluster://127.0.0.1:7000", addrs: "127.0.0.1:7000", cluster: true},
		{url: "rediss+cluster://u:p@127.0.0.1:7000", addrs: "127.0.0.1:7000", user: "u", cluster: true, tls: true},
		{url: "redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/mymaster/3?sentinel_password=x", addrs: "127.0.0.1:26379,127.0.0.1:26380", master: "mymaster", db: 3},
	} {
		o, err := ParseURL(c.url)
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		addrs := ""
		for i, a := range o.Addrs {
			if i > 0 {
				addrs += ","
			}
			addrs += a
		}
		if addrs != c.addrs || o.MasterName != c.master || o.Username != c.user || o.DB != c.db ||
			o.IsClusterMode != c.cluster || (o.TLSConfig != nil) != c.tls {
			t.Errorf("%s: got %+v", c.url, o)
		}
	}
	for _, bad := range []string{"127.0.0.1:6379", "http://x:1", "redis+cluster://h:1/0", "redis+sentinel://h:26379", "redis+cluster://h", "redis+sentinel://h:1/m/x"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if got := Describe("redis+sentinel://u:secret@h:26379/m"); got != "sentinel master m via h:26379 db 0" {
		t.Errorf("redacted %q", got)
	}
}
