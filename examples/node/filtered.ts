// A filtered consumer group: only EU orders reach this service.
//
// Publishes orders from two regions, then consumes with a group whose filter
// (a CEL expression, kept with the group) matches the EU ones. The server acks
// the others on the group's behalf; they never reach the handler.
import { parseArgs } from "node:util";
import { create, fromBinary } from "@bufbuild/protobuf";
import { Edge } from "../../gen/ts/sluice/v1/event_pb.js";
import { OrderCreatedSchema } from "../../gen/ts/examples/orders/v2/orders_pb.js";
import { connect, consume, event } from "./sluice.js";

const FILTER = 'type.startsWith("examples.orders.") && headers["region"] == "eu"';

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "127.0.0.1:7070" },
    stream: { type: "string", default: "orders-by-region" },
    group: { type: "string", default: "eu-billing-node" },
  },
});
const sluice = connect(values.server!);
const regions = ["eu", "us", "eu", "apac", "us", "eu"];
const events = regions.map((region, i) =>
  event(OrderCreatedSchema, create(OrderCreatedSchema, { orderId: `o-${i}`, customerId: "c-1" }), {
    key: "c-1",
    headers: { region },
  }),
);
await sluice.publisher.publish({ stream: values.stream, events });
console.log(JSON.stringify({ published: events.length, filter: FILTER }));

await consume(
  sluice,
  { stream: values.stream, group: values.group, filter: FILTER, start: { position: { case: "edge", value: Edge.EARLIEST } } },
  (m) => {
    const order = fromBinary(OrderCreatedSchema, m.event!.data.value as Uint8Array);
    console.log(JSON.stringify({ id: m.id, order_id: order.orderId, region: m.event!.headers.region }));
  },
  { count: regions.filter((r) => r === "eu").length },
);
