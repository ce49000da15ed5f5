"""Scheduled delivery: a payment reminder for an order, delivered --after seconds from now.

Schedules two reminders, lists the stream's schedule, cancels the second one
(the order was paid) and consumes the first when it falls due. A scheduled
event is not in the stream until its time; on delivery its deliver_at is the
time it was scheduled for, and publish_time - deliver_at is how late it came.
Each reminder expires an hour after it falls due (ttl): a dunning service
that was down longer than that never sends it.
"""

import argparse
import datetime
import json

import sluice_client as sluice
from examples.orders.v2 import orders_pb2
from sluice.v1 import admin_pb2, admin_pb2_grpc, event_pb2, subscriber_pb2

p = argparse.ArgumentParser()
p.add_argument("--server", default="127.0.0.1:7070")
p.add_argument("--stream", default="reminders")
p.add_argument("--group", default="dunning-py")
p.add_argument("--after", type=float, default=2.0, help="seconds until the first reminder is due")
args = p.parse_args()


def ms(ts):
    return ts.seconds * 1000 + ts.nanos // 1_000_000


def reminder(order_id, after):
    return sluice.event(orders_pb2.OrderCreated(order_id=order_id, customer_id="c-7"), key="c-7",
                        idempotency_key="remind-" + order_id, deliver_after=after,
                        ttl=datetime.timedelta(hours=1))  # a reminder an hour late is no use: it expires


with sluice.channel(args.server) as ch:
    after = datetime.timedelta(seconds=args.after)
    ids = sluice.schedule(ch, args.stream, reminder("o-1", after), reminder("o-2", 10 * after))
    print(json.dumps({"scheduled": ids}), flush=True)

    admin = admin_pb2_grpc.AdminServiceStub(ch)
    listed = admin.ListScheduled(admin_pb2.ListScheduledRequest(stream=args.stream)).events
    print(json.dumps({"listed": [e.schedule_id for e in listed],
                      "deliver_at": [ms(e.deliver_at) for e in listed]}), flush=True)

    admin.CancelScheduled(admin_pb2.CancelScheduledRequest(stream=args.stream, schedule_id=ids[1]))
    print(json.dumps({"cancelled": ids[1]}), flush=True)

    def handle(m):
        order = orders_pb2.OrderCreated.FromString(m.event.payload)
        print(json.dumps({"id": m.id, "order_id": order.order_id, "deliver_at": ms(m.event.deliver_at),
                          "publish_time": ms(m.event.publish_time), "expire_at": ms(m.event.expire_at),
                          "late_ms": ms(m.event.publish_time) - ms(m.event.deliver_at)}), flush=True)

    request = subscriber_pb2.SubscribeRequest(
        stream=args.stream, group=args.group, start=event_pb2.StartPosition(edge=event_pb2.EDGE_EARLIEST))
    sluice.consume(ch, request, handle, count=1)
