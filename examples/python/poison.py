"""A worker that fails on a poison message until Sluice dead-letters it.

With max_deliveries=2 and no backoff, the poison message is delivered twice,
nacked twice (the handler raises), and then moved to the stream's dead-letter
stream with the reason; good messages are acked as usual. The worker runs
until the dead letter shows up.
"""

import argparse
import json
import threading
import time

import sluice_client as sluice
from google.protobuf import duration_pb2
from sluice.v1 import deadletter_pb2, deadletter_pb2_grpc, event_pb2, subscriber_pb2

p = argparse.ArgumentParser()
p.add_argument("--server", default="127.0.0.1:7070")
p.add_argument("--stream", default="jobs")
p.add_argument("--group", default="workers-py")
args = p.parse_args()


def handle(m):
    print(json.dumps({"id": m.id, "payload": m.event.payload.decode(), "attempt": m.delivery_attempt}), flush=True)
    if m.event.payload.startswith(b"poison"):
        raise ValueError("cannot process " + m.event.payload.decode())


with sluice.channel(args.server) as ch:
    no_backoff = duration_pb2.Duration()
    sub = sluice.Subscription(ch, subscriber_pb2.SubscribeRequest(
        stream=args.stream, group=args.group, max_deliveries=2,
        start=event_pb2.StartPosition(edge=event_pb2.EDGE_EARLIEST),
        retry_policy=subscriber_pb2.RetryPolicy(minimum_backoff=no_backoff, maximum_backoff=no_backoff)))
    worker = threading.Thread(target=sub.run, args=(handle,))
    worker.start()
    dlq = deadletter_pb2_grpc.DeadLetterServiceStub(ch)
    deadline = time.time() + 20
    letters = []
    while not letters and time.time() < deadline:
        time.sleep(0.2)
        letters = dlq.ListDeadLetters(deadletter_pb2.ListDeadLettersRequest(stream=args.stream)).dead_letters
    sub.cancel()
    worker.join()
    for d in letters:
        print(json.dumps({"dead_letter": d.source_id, "reason": d.reason, "attempts": d.delivery_attempts}))
