"""Plain redis-py next to Sluice: read what Sluice published, write what Sluice delivers.

  read:  XRANGE a stream that Sluice writes and print the plain fields.
  write: XADD an entry with plain fields, as an existing redis-py producer does.
"""

import argparse
import json

import redis  # Debian: python3-redis

p = argparse.ArgumentParser()
p.add_argument("--redis", default="redis://127.0.0.1:6379/0")
p.add_argument("--stream", default="orders")
p.add_argument("mode", choices=["read", "write"])
args = p.parse_args()

r = redis.Redis.from_url(args.redis)
if args.mode == "read":
    for entry_id, fields in r.xrange(args.stream):
        print(json.dumps({
            "id": entry_id.decode(),
            "type": fields[b"type"].decode(),
            "version": fields.get(b"version", b"").decode(),
            "content_type": fields[b"content_type"].decode(),
            "key": fields.get(b"key", b"").decode(),
            "headers": {k[2:].decode(): v.decode() for k, v in fields.items() if k.startswith(b"h:")},
            "payload_hex": fields[b"payload"].hex(),
        }))
else:
    print(json.dumps({"id": r.xadd(args.stream, {"order_id": "legacy-1", "amount": "42"}).decode()}))
