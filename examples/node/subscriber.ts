// Consumes orders in a consumer group and acks each one it handled.
import { parseArgs } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { Edge } from "../../gen/ts/sluice/v1/event_pb.js";
import { OrderCreatedSchema } from "../../gen/ts/examples/orders/v2/orders_pb.js";
import { connect, consume } from "./sluice.js";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "127.0.0.1:7070" },
    stream: { type: "string", default: "orders" },
    group: { type: "string", default: "billing-node" },
    count: { type: "string", default: "3" },
  },
});
await consume(
  connect(values.server!),
  { stream: values.stream, group: values.group, start: { position: { case: "edge", value: Edge.EARLIEST } } },
  (m) => {
    // v2 code reads v1 payloads too: fields v1 lacks are empty.
    const order = fromBinary(OrderCreatedSchema, m.event!.data.value as Uint8Array);
    console.log(JSON.stringify({
      id: m.id, type: m.event!.type, version: m.event!.version, key: m.event!.key, headers: m.event!.headers,
      order_id: order.orderId, total_cents: Number(order.totalCents), currency: order.currency, attempt: m.deliveryAttempt,
    }));
  },
  { count: Number(values.count) },
);
