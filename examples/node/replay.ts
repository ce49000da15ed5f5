// An independent reader: replays a stream from the start, no group, no acks.
import { parseArgs } from "node:util";
import { Edge } from "../../gen/ts/sluice/v1/event_pb.js";
import { PayloadFormat } from "../../gen/ts/sluice/v1/subscriber_pb.js";
import { connect, consume } from "./sluice.js";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "127.0.0.1:7070" },
    stream: { type: "string", default: "orders" },
    count: { type: "string", default: "3" },
  },
});
await consume(
  connect(values.server!),
  { stream: values.stream, start: { position: { case: "edge", value: Edge.EARLIEST } }, payloadFormat: PayloadFormat.JSON },
  (m) => console.log(JSON.stringify({ id: m.id, type: m.event!.type, json: m.event!.data.value })),
  { count: Number(values.count) },
);
