"""Publishes example orders (examples.orders.v1.OrderCreated) with idempotency keys."""

import argparse
import json

import sluice_client as sluice
from examples.orders.v1 import orders_pb2

p = argparse.ArgumentParser()
p.add_argument("--server", default="127.0.0.1:7070")
p.add_argument("--stream", default="orders")
p.add_argument("--count", type=int, default=3)
p.add_argument("--prefix", default="py")
args = p.parse_args()

with sluice.channel(args.server) as ch:
    events = [
        sluice.event(
            orders_pb2.OrderCreated(order_id=f"{args.prefix}-{i}", customer_id="c-1", total_cents=100 * i),
            key="c-1",
            headers={"source": "python"},
            idempotency_key=f"{args.prefix}-{i}",  # a retry of this batch stores nothing twice
        )
        for i in range(args.count)
    ]
    for event, entry_id in zip(events, sluice.publish(ch, args.stream, *events)):
        print(json.dumps({"id": entry_id, "idempotency_key": event.idempotency_key}))
