"""A filtered consumer group: only EU orders reach this service.

Publishes orders from two regions, then consumes with a group whose filter
(a CEL expression, kept with the group) matches the EU ones. The server acks
the others on the group's behalf; they never reach the handler.
"""

import argparse
import json

import sluice_client as sluice
from examples.orders.v2 import orders_pb2
from sluice.v1 import event_pb2, subscriber_pb2

FILTER = 'type.startsWith("examples.orders.") && headers["region"] == "eu"'

p = argparse.ArgumentParser()
p.add_argument("--server", default="127.0.0.1:7070")
p.add_argument("--stream", default="orders-by-region")
p.add_argument("--group", default="eu-billing-py")
args = p.parse_args()

with sluice.channel(args.server) as ch:
    regions = ["eu", "us", "eu", "apac", "us", "eu"]
    events = [sluice.event(orders_pb2.OrderCreated(order_id=f"o-{i}", customer_id="c-1"), key="c-1",
                           headers={"region": r}) for i, r in enumerate(regions)]
    sluice.publish(ch, args.stream, *events)
    print(json.dumps({"published": len(events), "filter": FILTER}), flush=True)

    def handle(m):
        order = orders_pb2.OrderCreated.FromString(m.event.payload)
        print(json.dumps({"id": m.id, "order_id": order.order_id, "region": m.event.headers["region"]}), flush=True)

    request = subscriber_pb2.SubscribeRequest(
        stream=args.stream, group=args.group, filter=FILTER,
        start=event_pb2.StartPosition(edge=event_pb2.EDGE_EARLIEST))
    sluice.consume(ch, request, handle, count=regions.count("eu"))
