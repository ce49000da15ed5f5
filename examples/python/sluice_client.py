"""Small helpers over the generated Sluice stubs (gen/python).

Copy what you need. The generated modules live in gen/python; this file puts
that directory on sys.path so the examples run from a checkout.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "gen", "python"))

import grpc  # noqa: E402  (Debian: python3-grpcio)

from sluice.v1 import event_pb2, publisher_pb2, publisher_pb2_grpc  # noqa: E402
from sluice.v1 import subscriber_pb2, subscriber_pb2_grpc  # noqa: E402


def channel(server, token=None):
    """A plaintext channel to sluiced; with a token, sent as a bearer token."""
    ch = grpc.insecure_channel(server)
    if token:
        ch = grpc.intercept_channel(ch, _Bearer(token))
    return ch


class _Bearer(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    def __init__(self, token):
        self._md = ("authorization", "Bearer " + token)

    def _add(self, details):
        md = list(details.metadata or []) + [self._md]
        return details._replace(metadata=md) if hasattr(details, "_replace") else details

    def intercept_unary_unary(self, cont, details, request):
        return cont(self._add(details), request)

    def intercept_unary_stream(self, cont, details, request):
        return cont(self._add(details), request)


def event(message, key="", headers=None, idempotency_key="", deliver_at=None, deliver_after=None,
          expire_at=None, ttl=None):
    """An Event carrying a protobuf message: its type is the message's full name.

    deliver_at (an aware datetime) or deliver_after (a timedelta) schedules it:
    it is not in the stream until then (publish with schedule() to get its
    schedule ID). expire_at (an aware datetime) or ttl (a timedelta, from when
    it is in the stream) makes it expire: a group not sent it by then never is.
    """
    e = event_pb2.Event(
        type=message.DESCRIPTOR.full_name,
        payload=message.SerializeToString(),
        key=key,
        headers=headers or {},
        idempotency_key=idempotency_key,
    )
    if deliver_at is not None:
        e.deliver_at.FromDatetime(deliver_at)
    if deliver_after is not None:
        e.deliver_after.FromTimedelta(deliver_after)
    if expire_at is not None:
        e.expire_at.FromDatetime(expire_at)
    if ttl is not None:
        e.ttl.FromTimedelta(ttl)
    return e


def publish(ch, stream, *events):
    """Publishes events in one batch; returns their entry IDs."""
    stub = publisher_pb2_grpc.PublisherServiceStub(ch)
    return list(stub.Publish(publisher_pb2.PublishRequest(stream=stream, events=events)).ids)


def schedule(ch, stream, *events):
    """Publishes events that carry deliver_at or deliver_after; returns their
    schedule IDs (for AdminService.CancelScheduled), "" for one stored now."""
    stub = publisher_pb2_grpc.PublisherServiceStub(ch)
    return list(stub.Publish(publisher_pb2.PublishRequest(stream=stream, events=events)).schedule_ids)


def publish_topic(ch, topic, *events):
    """Publishes events to a partitioned topic; returns (partitions, ids), in event order."""
    stub = publisher_pb2_grpc.PublisherServiceStub(ch)
    res = stub.Publish(publisher_pb2.PublishRequest(topic=topic, events=events))
    return list(res.partitions), list(res.ids)


class Subscription:
    """One Subscribe stream, consumed with a handler.

    run(handler) calls handler(message) for each delivered message.
    Returning normally acks the message; raising nacks it with the error as
    the reason, so the group redelivers it after the retry backoff (or
    dead-letters it after max_deliveries). Messages of independent readers
    (no group) are not settled. cancel() ends run() from another thread.
    """

    def __init__(self, ch, request):
        self._stub = subscriber_pb2_grpc.SubscriberServiceStub(ch)
        self._stream = self._stub.Subscribe(request)

    def run(self, handler, count=None):
        """Blocks until count messages were handled (if given) or cancel()."""
        seen = 0
        try:
            for response in self._stream:
                for m in response.messages:
                    self._settle(m, handler)
                    seen += 1
                    if count is not None and seen >= count:
                        return seen
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.CANCELLED:
                raise
        finally:
            self._stream.cancel()
        return seen

    def cancel(self):
        self._stream.cancel()

    def _settle(self, m, handler):
        try:
            handler(m)
        except Exception as e:  # the handler's failure is the message's, not ours
            if m.ack_id:
                self._stub.Nack(subscriber_pb2.NackRequest(ack_ids=[m.ack_id], reason=str(e)[:1024]))
            return
        if m.ack_id:
            self._stub.Ack(subscriber_pb2.AckRequest(ack_ids=[m.ack_id]))


def consume(ch, request, handler, count=None):
    """Subscribes and runs handler for count messages (or until cancelled)."""
    return Subscription(ch, request).run(handler, count)
