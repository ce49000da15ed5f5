"""A partitioned topic: create it, publish keyed orders, consume them in a group.

Orders with the same key (customer) land in the same partition and arrive in
publish order.
"""

import argparse
import json

import sluice_client as sluice
from examples.orders.v1 import orders_pb2
from sluice.v1 import admin_pb2, admin_pb2_grpc, event_pb2, subscriber_pb2

p = argparse.ArgumentParser()
p.add_argument("--server", default="127.0.0.1:7070")
p.add_argument("--topic", default="orders-by-customer")
p.add_argument("--partitions", type=int, default=3)
p.add_argument("--group", default="billing-py")
p.add_argument("--customers", type=int, default=4)
p.add_argument("--per-customer", type=int, default=5)
args = p.parse_args()

with sluice.channel(args.server) as ch:
    # Creating an existing topic with the same partition count does nothing.
    admin = admin_pb2_grpc.AdminServiceStub(ch)
    admin.CreateTopic(admin_pb2.CreateTopicRequest(topic=args.topic, partitions=args.partitions))

    events = [sluice.event(orders_pb2.OrderCreated(order_id=f"c-{c}/{i}", customer_id=f"c-{c}"), key=f"c-{c}")
              for i in range(args.per_customer) for c in range(args.customers)]
    partitions, ids = sluice.publish_topic(ch, args.topic, *events)
    print(json.dumps({"published": len(ids), "partitions": partitions}), flush=True)

    def handle(m):
        order = orders_pb2.OrderCreated.FromString(m.event.payload)
        print(json.dumps({"stream": m.stream, "partition": m.partition, "id": m.id, "key": m.event.key,
                          "order_id": order.order_id}), flush=True)

    request = subscriber_pb2.SubscribeRequest(
        topic=args.topic, group=args.group, start=event_pb2.StartPosition(edge=event_pb2.EDGE_EARLIEST))
    sluice.consume(ch, request, handle, count=len(events))
