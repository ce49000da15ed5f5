"""Consumes orders in a consumer group and acks each one it handled."""

import argparse
import json

import sluice_client as sluice
from examples.orders.v1 import orders_pb2
from sluice.v1 import event_pb2, subscriber_pb2

p = argparse.ArgumentParser()
p.add_argument("--server", default="127.0.0.1:7070")
p.add_argument("--stream", default="orders")
p.add_argument("--group", default="billing-py")
p.add_argument("--count", type=int, default=3)
args = p.parse_args()


def handle(m):
    order = orders_pb2.OrderCreated.FromString(m.event.payload)  # v1 code reads v1 and v2 payloads
    print(json.dumps({"id": m.id, "type": m.event.type, "version": m.event.version, "key": m.event.key,
                      "headers": dict(m.event.headers), "order_id": order.order_id,
                      "total_cents": order.total_cents, "attempt": m.delivery_attempt}), flush=True)


with sluice.channel(args.server) as ch:
    request = subscriber_pb2.SubscribeRequest(
        stream=args.stream, group=args.group,
        start=event_pb2.StartPosition(edge=event_pb2.EDGE_EARLIEST))
    sluice.consume(ch, request, handle, count=args.count)
