"""An independent reader: replays a stream from the start, no group, no acks."""

import argparse
import json

import sluice_client as sluice
from sluice.v1 import event_pb2, subscriber_pb2

p = argparse.ArgumentParser()
p.add_argument("--server", default="127.0.0.1:7070")
p.add_argument("--stream", default="orders")
p.add_argument("--count", type=int, default=3)
args = p.parse_args()

with sluice.channel(args.server) as ch:
    request = subscriber_pb2.SubscribeRequest(
        stream=args.stream, start=event_pb2.StartPosition(edge=event_pb2.EDGE_EARLIEST),
        payload_format=subscriber_pb2.PAYLOAD_FORMAT_JSON)  # the server decodes known types to JSON
    sluice.consume(ch, request, lambda m: print(json.dumps(
        {"id": m.id, "type": m.event.type, "json": m.event.json}), flush=True), count=args.count)
